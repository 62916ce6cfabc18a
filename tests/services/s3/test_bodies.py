"""The MD5 of a large upload, hashed on a thread of its own with a bounded backlog."""
import hashlib
import os

from nuvem.services.s3 import bodies


def test_the_md5_thread_hashes_every_piece_in_order_and_the_caller_waits_past_the_backlog(
        monkeypatch):
    monkeypatch.setattr(bodies, "_MD5_BACKLOG", 3000)       # the caller waits every few pieces
    pieces = [os.urandom(1000 + n) for n in range(300)]
    md5 = bodies._ThreadedHash(hashlib.md5())
    for piece in pieces:
        md5.update(piece)
        assert md5._backlog <= 3000 + len(piece)
    assert md5.digest() == hashlib.md5(b"".join(pieces)).digest()
    assert not md5._thread.is_alive()
    stopped = bodies._ThreadedHash(hashlib.md5())
    stopped.update(b"partial")
    stopped.close()                         # an upload that failed: the thread ends all the same
    assert not stopped._thread.is_alive()
