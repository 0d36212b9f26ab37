"""M5StickC Plus2 (reference board): ESP32-PICO-V3-02, MPU6886, passive buzzer, 200 mAh.

Pins from M5Stack's StickC Plus2 pin map (docs.m5stack.com, K016-P2) and ESPHome's device
page, which agree: I2C SDA 21 / SCL 22 (internal), buzzer GPIO2, HOLD GPIO4 (must be driven
high within ~100 ms of power-on or the battery is cut), buttons A = GPIO37 (front) and
B = GPIO39 (side), battery voltage on GPIO38 (ADC1, through a 1:2 divider). Hat header:
G0, G26, G25/G36; the optional Hat Vibrator (SKU U159) motor input is G26 (see
hardware/README.md). The ESP32-PICO-V3-02 has 8 MB of flash and 2 MB of PSRAM in its package
(Espressif ESP32-PICO-V3-02 datasheet; ESP-IDF's esp_psram_impl_quad.c has its PSRAM pins).
MicroPython image: ESP32_GENERIC, variant SPIRAM, so that the Python heap lives in the PSRAM
(docs/firmware.md, RAM; docs/flashing.md). From MicroPython 1.26 the file system takes the
flash after the 2 MiB application area: 6 MiB.
"""

NAME = "m5stickc_plus2"
IMU = "mpu6886"
I2C_ID = 0
SDA = 21
SCL = 22
I2C_HZ = 400_000
IMU_ADDR = 0x68
RATE_HZ = 100
BUZZER_PIN = 2
MOTOR_PIN = 26  # Hat Vibrator on the hat header; harmless when no hat is fitted
HOLD_PIN = 4
BUTTON_A = 37
BUTTON_B = 39
# The power button (M5Stack's StickC Plus2 pin map: GPIO35, read low while pressed): a
# short press powers the board off (HOLD low); pressing it again powers it on.
BUTTON_POWER = 35
# Outputs footfall does not use, driven off at boot: the LCD backlight (GPIO27, lit when
# high) and the red LED (GPIO19, lit when high), per M5Stack's StickC Plus2 pin map.
OFF_PINS = ((27, 0), (19, 0))
BATTERY_ADC = 38
BATTERY_DIVIDER = 2  # volts at the pin x 2 = battery volts
BATTERY_MAH = 200
# Body frame: x forward, y left, z up. Worn upright on the waistband at the back, USB-C
# down, screen facing backward: body x = -sensor z, body y = -sensor x, body z = +sensor y.
AXES = ((2, -1), (0, -1), (1, 1))
FS_BYTES = 6 * 1024 * 1024
# BM8563 real-time clock on the internal I2C bus (M5Stack's StickC Plus2 schematic): keeps
# UTC while the board is off; the ESP32's own clock restarts at 2000-01-01 at power-on.
RTC = "bm8563"
RTC_ADDR = 0x51
