# ruff: noqa: F821 - include() and package() are provided by MicroPython's manifest tool
# Freeze footfall into a MicroPython firmware image (saves RAM and boot time). From the
# MicroPython tree's ports/esp32, with FM=/path/to/footfall/firmware/manifest.py, build the
# image for the board (variants: boards/*/board.json; docs/flashing.md):
#   m5stickc_plus2 (2 MB PSRAM):  make BOARD=ESP32_GENERIC BOARD_VARIANT=SPIRAM FROZEN_MANIFEST=$FM
#   xiao_esp32s3_lsm6dso (8 MB octal PSRAM):
#                          make BOARD=ESP32_GENERIC_S3 BOARD_VARIANT=SPIRAM_OCT FROZEN_MANIFEST=$FM
#   esp32_lis3dh (no PSRAM):      make BOARD=ESP32_GENERIC FROZEN_MANIFEST=$FM
# then copy main.py, boot.py and board.txt to the board's file system (`footfall flash` does;
# boot.py must be a file there, as the port runs it by name, ports/esp32/main.c).
include("$(PORT_DIR)/boards/manifest.py")
# aioble (BLE for footfall_fw.ble_link) comes from the build tree's lib/micropython-lib, the
# same package `mpremote mip install aioble` (package.json "deps") puts on the file system.
require("aioble")
package("footfall_core")
package("footfall_fw")
package("drivers")
package("boards")
