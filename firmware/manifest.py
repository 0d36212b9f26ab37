# ruff: noqa: F821 - include() and package() are provided by MicroPython's manifest tool
# Freeze footfall into a MicroPython firmware image (saves RAM and boot time), e.g.
#   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=/path/to/footfall/firmware/manifest.py
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
