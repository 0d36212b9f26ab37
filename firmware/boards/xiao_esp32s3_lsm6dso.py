"""DIY build: Seeed Studio XIAO ESP32S3 + LSM6DSO/DSOX/DSO32 breakout + coin vibration motor.

Pins from Seeed's XIAO ESP32S3 pin map: D4 = GPIO5 (SDA), D5 = GPIO6 (SCL); the motor's
MOSFET gate on D0 = GPIO1; buttons on D1 = GPIO2 and D2 = GPIO3 to ground (internal
pull-ups); battery voltage through a 2 x 100 kOhm divider into D3 = GPIO4 (ADC1). The XIAO
has no buzzer. Wiring, BOM and the LSM6DSO32 option: hardware/README.md. 8 MB flash and 8 MB
of octal PSRAM: MicroPython image ESP32_GENERIC_S3, variant SPIRAM_OCT (the plain image does
not use octal PSRAM); the file system gets 6 MiB (docs/flashing.md).
"""

NAME = "xiao_esp32s3_lsm6dso"
IMU = "lsm6dso"
# Extra driver (and emulator) keyword arguments: "LSM6DSOX" works as is; an LSM6DSO32 needs
# {"variant": "LSM6DSO32", "full_scale_g": 16} (its range bits differ). +/-16 g is the most
# any board offers: the core clamps there and shoe impacts stay under it (docs/firmware.md).
IMU_OPTIONS = {"variant": "LSM6DSO", "full_scale_g": 16}
I2C_ID = 0
SDA = 5
SCL = 6
I2C_HZ = 400_000
IMU_ADDR = 0x6A  # SA0 low (Adafruit default); 0x6B with SA0 high (SparkFun default)
RATE_HZ = 104  # the LSM6DSO's ODR nearest 100 Hz
BUZZER_PIN = None
MOTOR_PIN = 1
HOLD_PIN = None
BUTTON_A = 2
BUTTON_B = 3
# Safe mode (B held at boot) stays on B: GPIO3 is a strapping pin only once the eFuse
# STRAP_JTAG_SEL is burnt (ESP-IDF, ESP32-S3 "Configure Other JTAG Interfaces"), so on a
# stock XIAO holding it at reset changes nothing. No SAFE_PIN needed.
BATTERY_ADC = 4
BATTERY_DIVIDER = 2
BATTERY_MAH = 200
# Body frame: x forward, y left, z up. Breakout upright on the waistband at the back,
# component side facing backward, its silk-screen Y arrow up: body x = -z, y = -x, z = +y.
AXES = ((2, -1), (0, -1), (1, 1))
FS_BYTES = 6 * 1024 * 1024
