"""Parse a stream of frames and serve a 3000-byte session's DATA frames under
micropython.heap_lock (unix port only: any allocation raises MemoryError); print (frames
parsed, frames sent). The session goes out in 232-byte chunks: 13 DATA frames and the empty
end-of-file DATA."""

import micropython
from sync_rig import FrameParser, P, Rig, pack_frame, session

r = Rig(files={1: session(1, 3000)})
sent = [0]


def count(buf, n):
    sent[0] += 1


r.server.send = count
r.server.feed(pack_frame(P.GET, 1, P.request_get(1, 0, 4, 0)))  # one GET per transfer
acks = [pack_frame(P.ACK, 2, P.request_u32s(1, k)) for k in (928, 1856, 2784, 3000)]
parser = FrameParser(lambda t, s, b, o, n: None)
stream = pack_frame(7, 7, bytes(200)) * 5
micropython.heap_lock()
try:
    parser.feed(stream)
    for ack in acks:
        r.server.feed(ack)
finally:
    micropython.heap_unlock()
print(repr((parser.frames, sent[0])))
