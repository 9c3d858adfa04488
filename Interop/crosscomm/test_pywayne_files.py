"""Real pywayne 1.0.1.6.7 clients exchange files through `switchboard serve`'s OSS-compatible
file store (Protocols.md §5.7): `OSS_ENDPOINT` points at the hub's files port, `oss2` signs
its requests with the access key given to `serve`, and strangers are refused.
"""

from __future__ import annotations

import asyncio
import filecmp
import os
import urllib.error
import urllib.request
from pathlib import Path

import oss2
import pytest
from pywayne.cross_comm import CommMsgType, CrossCommService, Message

from conftest import run

KEY_ID = "switchboard-test-id"
SECRET = "switchboard-test-secret-0123456789"
BUCKET = "pywayne-files"


def signed_server(start_server, tmp_path: Path, *extra: str):
    return start_server(
        "--crosscomm-files", str(tmp_path / "store"),
        "--files-access-key-id", KEY_ID, "--files-access-key-secret", SECRET, "--files-bucket", BUCKET,
        *extra,
        content=False,
    )


def point_pywayne_at(monkeypatch, server) -> None:
    monkeypatch.setenv("OSS_ENDPOINT", f"http://127.0.0.1:{server.files_port}")
    monkeypatch.setenv("OSS_BUCKET_NAME", BUCKET)
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", SECRET)


async def until(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def receiver(port: int, client_id: str, downloads: Path) -> tuple[CrossCommService, list[Message]]:
    service = CrossCommService(role="client", ip="127.0.0.1", port=port, client_id=client_id)
    received: list[Message] = []

    @service.message_listener(msg_type=CommMsgType.FILE, download_directory=str(downloads))
    async def on_file(message: Message) -> None:
        received.append(message)

    @service.message_listener(msg_type=CommMsgType.FOLDER, download_directory=str(downloads))
    async def on_folder(message: Message) -> None:
        received.append(message)

    return service, received


def test_two_pywayne_clients_exchange_a_file_and_a_folder(start_server, tmp_path, monkeypatch):
    server = signed_server(start_server, tmp_path)
    point_pywayne_at(monkeypatch, server)
    monkeypatch.chdir(tmp_path)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(5 << 20))
    folder = tmp_path / "folder"
    (folder / "sub dir").mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"alpha\n")
    (folder / "sub dir" / "b+c.bin").write_bytes(os.urandom(300_000))

    async def scenario():
        alice, at_alice = receiver(server.crosscomm_port, "alice", tmp_path / "alice-downloads")
        bob, at_bob = receiver(server.crosscomm_port, "bob", tmp_path / "bob-downloads")
        assert await alice.login() and await bob.login()
        assert await alice.send_message(str(big), CommMsgType.FILE, to_client_id="bob")
        await until(lambda: len(at_bob) == 1, "bob's file")
        file_message = at_bob[0]
        assert file_message.oss_key and file_message.oss_key.startswith("cross_comm/alice/")
        assert Path(file_message.content).read_bytes() == big.read_bytes()

        assert await bob.send_message(str(folder), CommMsgType.FOLDER, to_client_id="alice")
        await until(lambda: len(at_alice) == 1, "alice's folder")
        folder_message = at_alice[0]
        local = Path(folder_message.content) / folder_message.oss_key
        assert sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file()) == ["a.txt", "sub dir/b+c.bin"]
        for name in ["a.txt", "sub dir/b+c.bin"]:
            assert filecmp.cmp(local / name, folder / name, shallow=False)
        await alice.logout()
        await bob.logout()

    run(scenario(), timeout=120)


def test_strangers_are_refused_with_403(start_server, tmp_path):
    server = signed_server(start_server, tmp_path)
    endpoint = f"http://127.0.0.1:{server.files_port}"
    owner = oss2.Bucket(oss2.Auth(KEY_ID, SECRET), endpoint, BUCKET)
    owner.put_object("cross_comm/alice/1_ab.txt", b"private")

    wrong = oss2.Bucket(oss2.Auth(KEY_ID, "not-the-secret"), endpoint, BUCKET)
    for attempt in (lambda: wrong.get_object("cross_comm/alice/1_ab.txt"),
                    lambda: wrong.put_object("cross_comm/mallory/1.txt", b"x"),
                    lambda: list(oss2.ObjectIterator(wrong, prefix="cross_comm/"))):
        with pytest.raises(oss2.exceptions.OssError) as refused:
            attempt()
        assert refused.value.status == 403 and refused.value.code == "SignatureDoesNotMatch"
    other_id = oss2.Bucket(oss2.Auth("someone-else", SECRET), endpoint, BUCKET)
    with pytest.raises(oss2.exceptions.OssError) as refused:
        other_id.get_object("cross_comm/alice/1_ab.txt")
    assert refused.value.status == 403 and refused.value.code == "InvalidAccessKeyId"

    for method, path, body in [("GET", f"/{BUCKET}/cross_comm/alice/1_ab.txt", None),
                               ("PUT", f"/{BUCKET}/cross_comm/mallory/x.txt", b"x"),
                               ("GET", f"/{BUCKET}/?prefix=cross_comm/", None),
                               ("GET", "/files/cross_comm/alice/1_ab.txt", None),
                               ("PUT", "/files/cross_comm/mallory/x.txt", b"x"),
                               ("GET", "/files/cross_comm/alice/", None)]:
        request = urllib.request.Request(endpoint + path, data=body, method=method)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403, (method, path)
    assert owner.get_object("cross_comm/alice/1_ab.txt").read() == b"private"
    assert [o.key for o in oss2.ObjectIterator(owner, prefix="cross_comm/")] == ["cross_comm/alice/1_ab.txt"]


def test_quotas_answer_413_and_507(start_server, tmp_path):
    server = signed_server(start_server, tmp_path, "--files-max-object-bytes", "100000",
                           "--files-client-quota-bytes", "150000", "--files-quota-bytes", "250000")
    bucket = oss2.Bucket(oss2.Auth(KEY_ID, SECRET), f"http://127.0.0.1:{server.files_port}", BUCKET)

    with pytest.raises(oss2.exceptions.OssError) as refused:
        bucket.put_object("cross_comm/alice/big.bin", os.urandom(100_001))
    assert (refused.value.status, refused.value.code) == (413, "EntityTooLarge")

    bucket.put_object("cross_comm/alice/1.bin", os.urandom(90_000))
    with pytest.raises(oss2.exceptions.OssError) as refused:
        bucket.put_object("cross_comm/alice/2.bin", os.urandom(90_000))
    assert (refused.value.status, refused.value.code) == (413, "ClientQuotaExceeded")
    bucket.put_object("cross_comm/alice/1.bin", os.urandom(95_000))  # a replacement counts once

    bucket.put_object("cross_comm/bob/1.bin", os.urandom(90_000))
    with pytest.raises(oss2.exceptions.OssError) as refused:
        bucket.put_object("cross_comm/carol/1.bin", os.urandom(90_000))
    assert (refused.value.status, refused.value.code) == (507, "QuotaExceeded")

    bucket.delete_object("cross_comm/bob/1.bin")
    bucket.put_object("cross_comm/carol/1.bin", os.urandom(90_000))
    assert sorted(o.key for o in oss2.ObjectIterator(bucket, prefix="cross_comm/")) == [
        "cross_comm/alice/1.bin", "cross_comm/carol/1.bin"]


def test_swift_cli_and_pywayne_exchange_files(start_server, tmp_path, monkeypatch):
    from cli import Listener, run_cli

    server = signed_server(start_server, tmp_path)
    point_pywayne_at(monkeypatch, server)
    monkeypatch.chdir(tmp_path)
    hub = f"ws://127.0.0.1:{server.crosscomm_port}/"
    store = ["--file-store", f"http://127.0.0.1:{server.files_port}", "--file-store-access-key-id", KEY_ID,
             "--file-store-access-key-secret", SECRET, "--file-store-bucket", BUCKET]
    from_swift = tmp_path / "from-swift.bin"
    from_swift.write_bytes(os.urandom(2 << 20))
    from_pywayne = tmp_path / "from-pywayne.bin"
    from_pywayne.write_bytes(os.urandom(1 << 20))

    async def scenario():
        bob, at_bob = receiver(server.crosscomm_port, "bob", tmp_path / "bob-downloads")
        assert await bob.login()
        code, out, err = await asyncio.to_thread(
            run_cli, "crosscomm", "send", hub, "--id", "swift", "--to", "bob", "--type", "file", str(from_swift), *store)
        assert code == 0, err
        await until(lambda: len(at_bob) == 1, "bob's file from the Swift CLI")
        assert Path(at_bob[0].content).read_bytes() == from_swift.read_bytes()

        with Listener("crosscomm", "listen", hub, "--id", "swift", "--count", "1",
                      "--download-dir", str(tmp_path / "swift-downloads"), *store) as swift:
            await asyncio.to_thread(swift.wait_ready)
            assert await bob.send_message(str(from_pywayne), CommMsgType.FILE, to_client_id="swift")
            code, received = await asyncio.to_thread(swift.finish)
        assert code == 0, swift.stderr_lines
        assert received[0]["oss_key"].startswith("cross_comm/bob/")
        assert Path(received[0]["content"]).read_bytes() == from_pywayne.read_bytes()
        await bob.logout()

    run(scenario(), timeout=120)


def test_presigned_urls_from_oss2_work_and_tampered_ones_get_403(start_server, tmp_path):
    server = signed_server(start_server, tmp_path)
    bucket = oss2.Bucket(oss2.Auth(KEY_ID, SECRET), f"http://127.0.0.1:{server.files_port}", BUCKET)
    upload = bucket.sign_url("PUT", "cross_comm/web/1.txt", 60, headers={"Content-Type": "text/plain"})
    request = urllib.request.Request(upload, data=b"from a browser", method="PUT", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    with urllib.request.urlopen(bucket.sign_url("GET", "cross_comm/web/1.txt", 60), timeout=10) as answer:
        assert answer.read() == b"from a browser"
    tampered = bucket.sign_url("GET", "cross_comm/web/1.txt", 60).replace("Expires=", "Expires=1")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tampered, timeout=10)
    assert refused.value.code == 403
