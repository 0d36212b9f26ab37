"""What the opt-in board tests check over any sync link: every session fetches intact."""

from footfall.transport import open_transport
from footfall.transport.link import decode, fetch
from footfall_core import protocol as P
from footfall_core.crc import session_crc


async def fetched_vs_listed(url: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """For each session the device lists: ((bytes fetched, their CRC), (size, CRC) listed)."""
    sync = await open_transport(url)
    try:
        _total, _first, entries = decode(P.unpack_list, await sync.link.request(P.LIST, b"\0\0"))
        out = []
        for sid, _start, _dur, _steps, size, crc in entries:
            data = await fetch(sync.link, sid)
            out.append(((len(data), session_crc(data, 0, len(data))), (size, crc)))
        return out
    finally:
        await sync.close()
