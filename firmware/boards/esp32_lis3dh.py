"""Budget build: any ESP32 dev board (ESP32-DevKitC / WROOM-32) + LIS3DH breakout.

Default ESP32 I2C pins SDA 21 / SCL 22; buzzer on GPIO25, motor MOSFET gate on GPIO26,
buttons on GPIO0 (BOOT, on every devkit) and GPIO27 to ground; no battery sense by default
(add a divider into GPIO34, ADC1, and set BATTERY_ADC). The LIS3DH's 32-sample FIFO must be
drained every 320 ms at 100 Hz: the sampler's 50-100 ms poll is well inside that.
A WROOM-32 module has no PSRAM: MicroPython image ESP32_GENERIC (no variant); with 4 MB of
flash the file system gets 2 MiB, and the Python heap shares the internal RAM with ESP-IDF
and BLE (about 110 KB; docs/firmware.md, RAM). On a WROVER devkit (PSRAM) use the SPIRAM
variant instead.
"""

NAME = "esp32_lis3dh"
IMU = "lis3dh"
I2C_ID = 0
SDA = 21
SCL = 22
I2C_HZ = 400_000
IMU_ADDR = 0x18  # SDO/SA0 low (Adafruit 2809 default); 0x19 when SDO is tied high
RATE_HZ = 100
BUZZER_PIN = 25
MOTOR_PIN = 26
HOLD_PIN = None
BUTTON_A = 0
BUTTON_B = 27
# Safe mode (held at boot) is B, never A: GPIO0 low at reset starts the ROM bootloader.
BATTERY_ADC = None
BATTERY_DIVIDER = 2
BATTERY_MAH = 0
# Body frame: x forward, y left, z up. Breakout upright on the waistband at the back,
# component side facing backward, its Y arrow up: body x = -z, y = -x, z = +y.
AXES = ((2, -1), (0, -1), (1, 1))
FS_BYTES = 2 * 1024 * 1024
# A devkit's USB is a UART bridge at 115200 baud: a 520-byte sync frame takes ~45 ms, so
# at most 4 frames go out between FIFO polls (180 ms, inside the FIFO's 320 ms).
USB_SYNC_WINDOW = 4
