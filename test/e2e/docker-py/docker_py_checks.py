"""docker-py (Debian's python3-docker 5.0.3) against berthd: what Python programs do with Docker.

Prints one line per check, "ok <name>" or "FAIL <name>: <why>"; the Node test reads them.
"""
import sys
import docker

client = docker.DockerClient(base_url=sys.argv[1], version="auto", timeout=30)


def check(name, fn):
    try:
        fn()
        print("ok", name, flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
        print("FAIL", name + ":", repr(e), flush=True)


def version():
    v = client.version()
    assert v["ApiVersion"] == "1.45", v
    assert client.ping() is True


def run_output():
    out = client.containers.run("busybox", ["sh", "-c", "echo hi; echo err >&2"], remove=True, stderr=True)
    assert out in (b"hi\nerr\n", b"err\nhi\n"), out


def run_exit_code():
    try:
        client.containers.run("busybox", ["sh", "-c", "exit 3"], remove=True)
    except docker.errors.ContainerError as e:
        assert e.exit_status == 3, e.exit_status
        return
    raise AssertionError("no ContainerError")


def detached_logs_exec_stop():
    c = client.containers.run("busybox", ["sh", "-c", "echo ready; sleep 60"], detach=True, name="py1")
    try:
        c.reload()
        assert c.status == "running", c.status
        for _ in range(50):
            if c.logs() == b"ready\n":
                break
        assert c.logs() == b"ready\n", c.logs()
        code, out = c.exec_run(["sh", "-c", "echo $((6*7))"])
        assert (code, out) == (0, b"42\n"), (code, out)
        code, out = c.exec_run("false")
        assert code == 1, code
        assert [x.name for x in client.containers.list()] == ["py1"]
        c.stop(timeout=1)
        c.reload()
        assert c.status == "exited", c.status
        assert c.wait()["StatusCode"] == 137
    finally:
        c.remove(force=True)


def attach_socket_stdin():
    c = client.containers.create("busybox", ["cat"], stdin_open=True, name="py2")
    try:
        sock = client.api.attach_socket(c.id, params={"stdin": 1, "stdout": 1, "stream": 1})
        c.start()
        sock._sock.sendall(b"through-attach\n")
        sock._sock.shutdown(1)  # SHUT_WR: like the docker CLI at the end of stdin
        data = b""
        while True:
            chunk = sock._sock.recv(4096)
            if not chunk:
                break
            data += chunk
        # 8-byte framing: stream 1, big-endian length
        assert data[:1] == b"\x01" and data[8:] == b"through-attach\n", data
        assert c.wait()["StatusCode"] == 0
    finally:
        c.remove(force=True)


def not_found():
    try:
        client.containers.get("nosuch")
    except docker.errors.NotFound as e:
        assert "No such container: nosuch" in str(e), str(e)
        return
    raise AssertionError("no NotFound")


def images():
    tags = sorted(t for i in client.images.list() for t in i.tags)
    assert tags == ["busybox:latest", "hello-world:latest"], tags
    assert client.images.get("busybox").attrs["Config"]["Cmd"] == ["sh"]


for name, fn in [("version", version), ("run_output", run_output), ("run_exit_code", run_exit_code),
                 ("detached_logs_exec_stop", detached_logs_exec_stop), ("attach_socket_stdin", attach_socket_stdin),
                 ("not_found", not_found), ("images", images)]:
    check(name, fn)
