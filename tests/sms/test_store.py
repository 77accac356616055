"""SQLite state: opt-outs survive a restart, a MessageSid is processed once, options persist."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from connectors.sms.errors import SMSStoreError
from connectors.sms.store import SMSStore, StoredReply

REPLY = StoredReply(200, "text/xml; charset=utf-8", "<Response><Message>Hi</Message></Response>")


def test_opt_out_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sms.db"
    SMSStore(path).opt_out("+12135550123", "es")
    reopened = SMSStore(path)
    assert reopened.is_opted_out("+12135550123")
    assert not reopened.is_opted_out("+12135550124")
    assert reopened.opt_in("+12135550123") == "es"
    assert not SMSStore(path).is_opted_out("+12135550123")
    assert SMSStore(path).opt_in("+12135550123") is None  # was not opted out any more


def test_path_from_env_and_parent_dirs_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deep" / "er" / "state.db"
    monkeypatch.setenv("SMS_DB", str(path))
    SMSStore().opt_out("+1", "en")
    assert path.is_file()


def test_repeated_message_id_gets_stored_reply(store: SMSStore) -> None:
    assert store.claim("SM1")
    assert not store.claim("SM1")
    assert store.stored_reply("SM1") is None  # still being processed
    store.complete("SM1", REPLY)
    assert not store.claim("SM1")
    assert store.stored_reply("SM1") == REPLY


def test_duplicate_survives_reopen(tmp_path: Path) -> None:
    first = SMSStore(tmp_path / "sms.db")
    first.claim("SM9")
    first.complete("SM9", REPLY)
    second = SMSStore(tmp_path / "sms.db")
    assert not second.claim("SM9")
    assert second.stored_reply("SM9") == REPLY


def test_exactly_one_of_concurrent_claims_wins(tmp_path: Path) -> None:
    path = tmp_path / "sms.db"
    stores = [SMSStore(path) for _ in range(8)]
    for round_ in range(20):
        barrier = threading.Barrier(len(stores))

        def claim(
            store: SMSStore,
            message_id: str = f"SM-race-{round_}",
            barrier: threading.Barrier = barrier,
        ) -> bool:
            barrier.wait()
            return store.claim(message_id)

        with ThreadPoolExecutor(len(stores)) as pool:
            results = list(pool.map(claim, stores))
        assert results.count(True) == 1


def test_released_claim_can_be_processed_again(store: SMSStore) -> None:
    assert store.claim("SM2")
    store.release("SM2")
    assert store.claim("SM2")


def test_stale_claim_is_taken_over(tmp_path: Path) -> None:
    store = SMSStore(tmp_path / "sms.db", stale_after=-1)  # every claim is already stale
    assert store.claim("SM3")
    assert store.claim("SM3")
    store.complete("SM3", REPLY)
    assert not store.claim("SM3")  # a finished message is never taken over


def test_options_replace_clear_and_expire(store: SMSStore) -> None:
    store.save_options("+1", [("Yes", "/affirm"), ("No", "/deny")])
    assert store.load_options("+1") == [("Yes", "/affirm"), ("No", "/deny")]
    assert store.load_options("+2") == []
    assert store.load_options("+1", max_age=-1) == []
    store.save_options("+1", [("Pothole", "/pothole")])
    assert store.load_options("+1") == [("Pothole", "/pothole")]
    store.save_options("+1", [])
    assert store.load_options("+1") == []


def test_unwritable_location_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises((SMSStoreError, OSError)):
        SMSStore(blocker / "sms.db")
