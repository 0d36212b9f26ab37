"""BLE definitions shared by the firmware's aioble service and the host: UUIDs, name, RSC.

Sync service: two characteristics carry sync frames (frames.py) as a byte stream. The host
writes requests to SYNC_RX (write, write without response); the device notifies replies on
SYNC_TX. A frame may span several notifications; sync_payload_size() picks a frame size
that fills whole notifications (one per frame from ATT MTU 139 up).

Running Speed and Cadence (RSC, 0x1814), GATT Specification Supplement, RSC Measurement:
Instantaneous Cadence is "the number of times per minute a foot fall occurs", uint8 in
1/min. A foot fall is either foot touching down, so it is steps/min (not strides); footfall
sends its step cadence unchanged, clamped to 255. Speed is mandatory but not measured: 0.
The spec has no way to say so (no flag for Instantaneous Speed, no RSC Feature bit for it),
so a watch that takes its pace from the foot pod shows a pace of zero: docs/runner.md says
to set the watch to take speed from GPS and cadence from the sensor.
"""

from footfall_core.frames import MAX_PAYLOAD, OVERHEAD

NAME_PREFIX = "footfall-"

SYNC_SERVICE_UUID = "a726db6e-0001-490d-bbfb-75ecd3823041"
SYNC_RX_UUID = "a726db6e-0002-490d-bbfb-75ecd3823041"  # host -> device: write
SYNC_TX_UUID = "a726db6e-0003-490d-bbfb-75ecd3823041"  # device -> host: notify

RSC_SERVICE = 0x1814
RSC_MEASUREMENT = 0x2A53
RSC_FEATURE = 0x2A54
SENSOR_LOCATION = 0x2A5D
DEVICE_INFORMATION_SERVICE = 0x180A
MANUFACTURER_NAME = 0x2A29
MODEL_NUMBER = 0x2A24
SERIAL_NUMBER = 0x2A25
FIRMWARE_REVISION = 0x2A26
BATTERY_SERVICE = 0x180F
BATTERY_LEVEL = 0x2A19

# RSC Measurement flags (bit 2: 1 running, 0 walking) and RSC Feature bits.
RSC_FLAG_STRIDE_LENGTH = 0x01
RSC_FLAG_TOTAL_DISTANCE = 0x02
RSC_FLAG_RUNNING = 0x04
RSC_FEATURE_WALKING_OR_RUNNING = 0x0004
RSC_MEASUREMENT_SIZE = 4

# Sensor Location values (Assigned Numbers, Sensor Location).
LOCATION_OTHER = 0
LOCATION_TOP_OF_SHOE = 1
LOCATION_IN_SHOE = 2
LOCATION_HIP = 3
PLACEMENT_LOCATION = {"waist": LOCATION_HIP, "shoe": LOCATION_TOP_OF_SHOE}

# aioble hands captured writes to the firmware through one queue of WRITE_QUEUE that drops
# the oldest when full (micropython-lib aioble server.py). A host keeps at most one request
# (two writes at MTU 23) or a GET window's ACKs (one write each) in flight, so a GET window
# of MAX_GET_WINDOW can never overflow it.
WRITE_QUEUE = 10
MAX_GET_WINDOW = WRITE_QUEUE - 2

_MIN_FRAME = 128  # below this the 8-byte frame overhead costs more than 6 %


def device_name(device_id):
    """'footfall-XXXX' from the last two bytes of the 6-byte device id."""
    return NAME_PREFIX + f"{device_id[4]:02X}{device_id[5]:02X}"


def sync_payload_size(att_mtu):
    """Frame payload size for an ATT MTU: a frame fills whole notifications of MTU - 3 bytes.

    MTU 247 -> 236 (one notification per frame); MTU 23 -> 132 (seven notifications).
    """
    per = att_mtu - 3
    if per < 1:
        raise ValueError("ATT MTU must be at least 4")
    n = (_MIN_FRAME + per - 1) // per
    return min(n * per, MAX_PAYLOAD + OVERHEAD) - OVERHEAD


def pack_rsc_measurement(buf, cadence_spm, running, speed_256ths_mps=0):
    """RSC Measurement at buf[0:4]: flags, speed (1/256 m/s), cadence (steps/min, <= 255)."""
    buf[0] = RSC_FLAG_RUNNING if running else 0
    speed = max(0, min(0xFFFF, speed_256ths_mps))
    buf[1] = speed & 0xFF
    buf[2] = speed >> 8
    buf[3] = max(0, min(255, cadence_spm))
    return RSC_MEASUREMENT_SIZE


def unpack_rsc_measurement(buf):
    """-> (cadence_spm, running, speed_256ths_mps); ValueError for a short value."""
    if len(buf) < RSC_MEASUREMENT_SIZE:
        raise ValueError("RSC Measurement needs at least 4 bytes")
    return buf[3], bool(buf[0] & RSC_FLAG_RUNNING), buf[1] | (buf[2] << 8)
