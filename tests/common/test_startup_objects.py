"""What a served or scheduler process loads at startup is set aside from the garbage
collector, so that a full collection does not walk it again and again while requests and
jobs wait."""

import gc

from switchboard.asgi import set_aside_what_startup_made


def test_what_startup_loaded_is_no_longer_walked_by_a_full_collection():
    gc.unfreeze()
    try:
        walked_before = len(gc.get_objects())
        set_aside_what_startup_made()
        assert gc.get_freeze_count() > walked_before / 2
        assert len(gc.get_objects()) < walked_before / 2
    finally:
        gc.unfreeze()
