"""AWS-shaped ids: formats, seeded determinism, uniqueness across threads."""
import re
import threading
import uuid

from nuvem.core.ids import Ids

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_formats():
    ids = Ids()
    request_id = ids.request_id()
    assert UUID4.fullmatch(request_id)
    assert uuid.UUID(request_id).version == 4 and uuid.UUID(request_id).variant == uuid.RFC_4122
    assert re.fullmatch(r"i-[0-9a-f]{17}", ids.new("i"))
    assert re.fullmatch(r"vpc-[0-9a-f]{8}", ids.new("vpc", 8))
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", ids.access_key_id())
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", ids.access_key_id("ASIA"))
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", ids.secret())
    assert re.fullmatch(r"[1-9][0-9]{11}", ids.account_id())
    assert re.fullmatch(r"[0-9A-V]{16}", ids.base32_request_id(16))          # S3's
    assert re.fullmatch(r"[0-9A-V]{51}[0G]", ids.base32_request_id())         # DynamoDB's
    assert re.fullmatch(r"[A-Za-z0-9+/]{75}=", ids.host_id())   # like S3's x-amz-id-2
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", ids.token())
    assert re.fullmatch(r"[0-9]{6}", ids.digits(6))


def sample(ids: Ids) -> list[str]:
    return [ids.request_id(), ids.new("i"), ids.access_key_id(), ids.secret(), ids.host_id(),
            ids.base32_request_id(16), ids.account_id(), ids.token()]


def test_a_seed_makes_sequences_reproducible():
    assert sample(Ids(seed=7)) == sample(Ids(seed=7))
    assert sample(Ids(seed=7)) != sample(Ids(seed=8))
    first = Ids(seed=7)
    assert sample(first) != sample(first)     # a sequence, not one value


def test_unseeded_ids_differ_between_generators():
    assert sample(Ids()) != sample(Ids())


def _from_threads(draw, per_thread: int, threads: int = 8) -> list[str]:
    """What `threads` threads drawing `per_thread` values each with `draw` got, all together."""
    results: list[list[str]] = [[] for _ in range(threads)]

    def work(out):
        for _ in range(per_thread):
            out.append(draw())

    workers = [threading.Thread(target=work, args=(out,)) for out in results]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return [value for out in results for value in out]


def test_unique_and_whole_across_threads():
    for seed in (None, 11):
        ids = Ids(seed)
        produced = _from_threads(lambda: ids.new("i"), 500)
        assert len(set(produced)) == len(produced) == 4000
        if seed is not None:
            # Each id was drawn whole under the lock: the same values as one thread drawing them.
            serial = Ids(seed)
            assert set(produced) == {serial.new("i") for _ in range(4000)}


def test_request_ids_from_the_pool_stay_unique_and_well_formed_across_threads():
    # Request ids share a pool of random bytes refilled every 256 ids: threads drawing many
    # pools' worth must never get the same bytes twice.
    produced = _from_threads(Ids().request_id, 1000)
    assert len(set(produced)) == len(produced) == 8000
    assert all(UUID4.fullmatch(value) for value in produced)
