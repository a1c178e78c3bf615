"""libtorrent's side of bench/stream.bench.ts: streaming with set_piece_deadline, the way its
docs describe (deadlines on the pieces under the read position, read_piece alerts when they are
available). Same protocol as leech-torrentkit.ts.
    python3 leech_libtorrent.py <magnet> <dir> <offsets json>
"""
import json
import sys
import time

import libtorrent as lt

magnet, save, offsets = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
MIB = 1024 * 1024
ses = lt.session({
    'listen_interfaces': '127.0.0.1:0',
    'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
    'alert_mask': lt.alert.category_t.all_categories,
})
t0 = time.monotonic()
atp = lt.parse_magnet_uri(magnet)
atp.save_path = save
h = ses.add_torrent(atp)
for pe in [p for p in magnet.split('&') if p.startswith('x.pe=')]:
    host, port = pe[5:].rsplit(':', 1)
    h.connect_peer((host, int(port)))

while not h.status().has_metadata:
    ses.wait_for_alert(50)
    ses.pop_alerts()
ti = h.torrent_file()
plen = ti.piece_length()
files = ti.files()
big = max(range(files.num_files()), key=lambda i: files.file_size(i))
base = files.file_offset(big)


def read_mib(at):
    first = (base + at) // plen
    last = (base + at + MIB - 1) // plen
    h.clear_piece_deadlines()
    want = set(range(first, last + 1))
    for k, p in enumerate(sorted(want)):
        h.set_piece_deadline(p, k * 100, lt.deadline_flags_t.alert_when_available)
    while want:
        ses.wait_for_alert(20)
        for a in ses.pop_alerts():
            if isinstance(a, lt.read_piece_alert) and a.piece in want:
                want.discard(a.piece)


read_mib(0)
first_mib = (time.monotonic() - t0) * 1000
seeks = []
for at in offsets:
    s = time.monotonic()
    read_mib(at)
    seeks.append((time.monotonic() - s) * 1000)
print(json.dumps({'firstMiB': first_mib, 'seeks': seeks}), flush=True)
