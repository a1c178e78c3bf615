"""A libtorrent peer for benchmarks: seeds or leeches one torrent on one loopback address with
every discovery method off (DHT, LSD, UPnP, NAT-PMP), the tracker in the torrent only.

usage: lt_peer.py seed|leech TORRENT SAVE_PATH ADDRESS [PEER_HOST:PORT ...]   (env LT_CHECK=1, LT_KEEP=1)
Prints "listening PORT", then for a leecher "done" once every piece is verified and flushed.
A leecher exits then unless LT_KEEP=1 (it keeps seeding until stdin closes or SIGTERM).
"""
import os
import sys
import time
import libtorrent as lt

mode, torrent, save, addr = sys.argv[1:5]
peers = sys.argv[5:]
s = lt.session({
    'listen_interfaces': f'{addr}:0',
    'outgoing_interfaces': addr,
    'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
    'enable_outgoing_utp': False, 'enable_incoming_utp': False,
    'alert_mask': lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
    'allow_multiple_connections_per_ip': True,
})
p = {'ti': lt.torrent_info(torrent), 'save_path': save}
# A seeder in seed mode verifies each piece on its first request, which slows whichever leecher
# comes first; LT_CHECK=1 checks every piece before "listening" so that all leechers are served
# alike.
check = os.environ.get('LT_CHECK') == '1'
if mode == 'seed' and not check:
    p['flags'] = lt.torrent_flags.seed_mode
h = s.add_torrent(p)
if mode == 'seed' and check:
    deadline = time.time() + 600
    while not h.status().is_seeding and time.time() < deadline:
        s.wait_for_alert(100)
        s.pop_alerts()
for peer in peers:
    host, port = peer.rsplit(':', 1)
    h.connect_peer((host, int(port)))
print(f'listening {s.listen_port()}', flush=True)
done = mode == 'seed'
keep = mode == 'seed' or os.environ.get('LT_KEEP') == '1'
while True:
    for a in s.pop_alerts():
        if isinstance(a, lt.torrent_finished_alert) and not done:
            h.flush_cache()
            done = True
            print('done', flush=True)
    if done and not keep:
        break
    s.wait_for_alert(100)
