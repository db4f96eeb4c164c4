"""Spark servers started from the pyspark wheel on 127.0.0.1: a standalone cluster (a
master, a worker and a Spark Connect or Thrift server) or a Spark Connect server alone.

Every client of the `spark` target (the loader, the build state, the checks, dbt) is a
Spark Connect client of one server, which owns the Hive metastore (Derby, which only one
JVM may open) and the warehouse folder. A deployment runs that server on its cluster
(docs/spark.md); this module starts the same daemons on this machine: the server alone
(`standalone=False`, Spark in its own JVM: `omnireport --target spark` without
OMNIREPORT_SPARK_REMOTE, omnireport.warehouse.spark.local_connect_server) or with a
standalone master and worker behind it (the cluster test). docs/spark-cluster-findings.md
has the experiments behind the choices below.

The pyspark 4.3.0 wheel has everything needed (no download): the Master and Worker
classes, `bin/spark-class` and `bin/spark-submit`, the Spark Connect server
(`SparkConnectServer`) and the Hive Thrift server (`HiveThriftServer2`, Hive 2.3 jars,
Derby). It lacks the `sbin/start-master.sh`-style scripts, so the daemons are started
with `spark-class`/`spark-submit` in the foreground, each as the leader of its own
process group: stopping a group also stops the executors a worker forked.

Everything the cluster writes stays under one folder (`ClusterConfig.directory`):
`conf/spark-defaults.conf` (read by every daemon, so the settings are in one readable
place), `warehouse/` (tables), `metastore/` (Derby, opened only by the server JVM),
`logs/<daemon>.log`, `work/` (executor folders and logs), `tmp/` (java.io.tmpdir and
Spark's local dirs, otherwise scattered over /tmp).

    with local_spark_cluster(ClusterConfig(Path("data/spark-cluster"))) as cluster:
        print(cluster.connect_url)   # sc://localhost:<port>/;token=<random>
        print(cluster.dbt_output())  # a profiles.yml output for that server
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ServerKind = Literal["connect", "thrift"]

CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
LOOPBACK = "127.0.0.1"


class SparkClusterError(RuntimeError):
    """A daemon did not start (its log's last lines are in the message) or pyspark is missing."""


@dataclass(frozen=True)
class ClusterConfig:
    """Sizes and places of a one-worker local cluster.

    The defaults fit a shared 2-core machine: the worker offers 2 cores, the server's
    application takes them all (`spark.cores.max`), and the JVMs together use about
    4 GiB (master and worker 512 MiB each, server driver 1 GiB, one executor 1 GiB).
    """

    directory: Path
    server: ServerKind = "connect"
    worker_cores: int = 2
    worker_memory: str = "2g"
    executor_memory: str = "1g"
    driver_memory: str = "1g"
    daemon_memory: str = "512m"
    shuffle_partitions: int = 4
    start_timeout_s: float = 180.0
    # True: a standalone master and worker run the server's work. False: the server runs
    # Spark in its own JVM (`local[worker_cores]`), for a run on one machine.
    standalone: bool = True


@dataclass
class SparkDaemon:
    """One JVM started by this module, the leader of its own process group."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 20) -> str:
        """The end of the daemon's log (for error messages)."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM the whole process group (Spark's daemons shut down cleanly on it and a
        worker's executors are in its group), wait until the group is empty, then SIGKILL
        whatever is left."""
        group = self.process.pid  # start_new_session=True: the pid is the group id
        _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.process.poll()
            if not _group_alive(group):
                break
            time.sleep(0.2)
        else:
            _signal_group(group, signal.SIGKILL)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL was sent
            pass


@dataclass
class LocalSparkCluster:
    """A running master, worker and server; `stop()` ends them (idempotent)."""

    config: ClusterConfig
    master_url: str
    master_ui_url: str
    server_port: int
    token: str
    daemons: list[SparkDaemon] = field(default_factory=list)

    @property
    def warehouse_dir(self) -> Path:
        return self.config.directory / "warehouse"

    @property
    def connect_url(self) -> str:
        """The Spark Connect URL (`SPARK_REMOTE`, or `spark.remote` for dbt-spark's
        session method). `localhost`, not 127.0.0.1: pyspark sends a token without TLS only
        over a local channel, which it uses for the host name `localhost`."""
        return f"sc://localhost:{self.server_port}/;token={self.token}"

    def dbt_output(self, schema: str = "default", threads: int = 2) -> dict[str, Any]:
        """A profiles.yml output for this cluster's server.

        connect: dbt-spark 1.11 has no `connect` method, but its `session` method builds its
        session with `SparkSession.builder...getOrCreate()`, which returns a Spark Connect
        session when `spark.remote` is among the options (`spark.master` must then not be).
        thrift: dbt-spark's own `thrift` method (needs the PyHive extra); `poll_interval: 1`
        because the default 5 s is added to every statement that is not done at once.
        """
        if self.config.server == "connect":
            return {
                "type": "spark",
                "method": "session",
                "host": "localhost",
                "schema": schema,
                "threads": threads,
                "server_side_parameters": {"spark.remote": self.connect_url},
            }
        return {
            "type": "spark",
            "method": "thrift",
            "host": LOOPBACK,
            "port": self.server_port,
            "user": "dbt",
            "schema": schema,
            "threads": threads,
            "poll_interval": 1,
            "connect_retries": 3,
            "connect_timeout": 5,
        }

    def stop(self) -> None:
        """Stop the server, then the worker (and its executors), then the master."""
        while self.daemons:
            self.daemons.pop().stop()
        atexit.unregister(self.stop)


def spark_home() -> Path:
    """The pyspark package folder, which is a complete SPARK_HOME (bin/, jars/)."""
    try:
        import pyspark
    except ImportError as exc:
        raise SparkClusterError("pyspark is not installed: install the `spark` extra") from exc
    home = Path(pyspark.__file__).resolve().parent
    if not (home / "bin" / "spark-class").is_file() or not (home / "jars").is_dir():
        raise SparkClusterError(f"{home} has no bin/spark-class or jars/: not a full pyspark")
    return home


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (another process could take it before the
    daemon binds it; Spark then fails to start and the caller sees its log)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def spark_defaults(config: ClusterConfig) -> dict[str, str]:
    """spark-defaults.conf: read by the master and worker (properties file) and by the
    server's spark-submit, so the cluster's settings live in one file."""
    home = config.directory.resolve()
    tmp = home / "tmp"
    return {
        # No fixed-port REST submission server (6066) on the master: not needed, and a
        # second cluster on the machine would collide with it.
        "spark.master.rest.enabled": "false",
        "spark.driver.memory": config.driver_memory,
        "spark.executor.memory": config.executor_memory,
        "spark.cores.max": str(config.worker_cores),
        "spark.driver.extraJavaOptions": f"-Djava.io.tmpdir={tmp} -Dderby.system.home={home}",
        "spark.executor.extraJavaOptions": f"-Djava.io.tmpdir={tmp}",
        "spark.ui.enabled": "false",
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(home / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={home / 'metastore'};create=true"
        ),
        # As in profiles.yml's `spark` output (Derby cannot filter bigint partition keys).
        "spark.sql.hive.metastorePartitionPruning": "false",
        "spark.sql.session.timeZone": "UTC",
        # No table metadata cached per session: each session would keep the file list it
        # read first and fail with FILE_NOT_EXIST once another session (dbt's build) has
        # replaced the table or its partitions. Each query lists the files again instead.
        "spark.sql.filesourceTableRelationCacheSize": "0",
        # Small memory pages: every broadcast hash table takes at least one, and Spark sizes
        # them from the heap (32 MiB with 2 GiB). One query of the project broadcasts up to
        # 60 small tables (audit.quarantine_by_rule's union), which then filled the heap.
        "spark.buffer.pageSize": "2m",
        "spark.sql.shuffle.partitions": str(config.shuffle_partitions),
        # dbt-spark sets it per session; the same default for every other client.
        "spark.sql.ansi.enabled": "false",
    }


def start_local_cluster(config: ClusterConfig) -> LocalSparkCluster:
    """Start master, worker and the configured server, each waited for until ready.

    On any failure everything already started is stopped before the error propagates.
    An `atexit` hook stops the cluster too, in case the caller never does.
    """
    home = spark_home()
    directory = config.directory.resolve()
    for sub in ("conf", "logs", "work", "tmp", "warehouse"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    conf_file = directory / "conf" / "spark-defaults.conf"
    conf_file.write_text("".join(f"{k} {v}\n" for k, v in spark_defaults(config).items()))

    master_port, master_ui_port, server_port = free_port(), free_port(), free_port()
    cluster = LocalSparkCluster(
        config=config,
        master_url=f"spark://{LOOPBACK}:{master_port}",
        master_ui_url=f"http://{LOOPBACK}:{master_ui_port}",
        server_port=server_port,
        token=secrets.token_urlsafe(24),
    )
    atexit.register(cluster.stop)
    env = _daemon_env(home, directory, config, cluster.token)
    if not config.standalone:
        cluster.master_url = f"local[{config.worker_cores}]"
        cluster.master_ui_url = ""
    try:
        if config.standalone:
            _start_master_and_worker(cluster, home, env, master_port, master_ui_port)
        # spark-submit sizes a Thrift or Connect server's driver by SPARK_DAEMON_MEMORY, not
        # by spark.driver.memory: the server is the driver (and, locally, the executor).
        server_env = {**env, "SPARK_DAEMON_MEMORY": config.driver_memory}
        cluster.daemons.append(
            _start("server", _server_command(home, cluster), server_env, directory)
        )
        _wait(cluster, cluster.daemons[-1], lambda: _port_open(server_port))
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _start_master_and_worker(
    cluster: LocalSparkCluster,
    home: Path,
    env: dict[str, str],
    master_port: int,
    master_ui_port: int,
) -> None:
    """The standalone master, then one worker registered with it, each waited for."""
    config = cluster.config
    directory = config.directory.resolve()
    cluster.daemons.append(
        _start(
            "master",
            [str(home / "bin" / "spark-class"), "org.apache.spark.deploy.master.Master"]
            + ["--host", LOOPBACK, "--port", str(master_port)]
            + ["--webui-port", str(master_ui_port)],
            env,
            directory,
        )
    )
    _wait(cluster, cluster.daemons[-1], lambda: _master_status(cluster) is not None)
    cluster.daemons.append(
        _start(
            "worker",
            [str(home / "bin" / "spark-class"), "org.apache.spark.deploy.worker.Worker"]
            + [cluster.master_url, "--host", LOOPBACK, "--port", "0", "--webui-port", "0"]
            + ["--cores", str(config.worker_cores), "--memory", config.worker_memory]
            + ["--work-dir", str(directory / "work")],
            env,
            directory,
        )
    )
    _wait(
        cluster,
        cluster.daemons[-1],
        lambda: (_master_status(cluster) or {}).get("aliveworkers", 0) >= 1,
    )


@contextmanager
def local_spark_cluster(config: ClusterConfig) -> Iterator[LocalSparkCluster]:
    """`start_local_cluster`, stopped on leaving the block (also after an error)."""
    cluster = start_local_cluster(config)
    try:
        yield cluster
    finally:
        cluster.stop()


# --- Helpers ---------------------------------------------------------------------------------


def _daemon_env(home: Path, directory: Path, config: ClusterConfig, token: str) -> dict[str, str]:
    """The environment of every daemon: Spark's own variables point into `directory`;
    variables that would turn a JVM into a Connect client or a different Spark are removed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED", "SPARK_API_MODE", "MASTER")
    }
    tmp = directory / "tmp"
    env.update(
        SPARK_HOME=str(home),
        SPARK_CONF_DIR=str(directory / "conf"),
        SPARK_LOCAL_IP=LOOPBACK,
        SPARK_LOCAL_DIRS=str(tmp),
        SPARK_DAEMON_MEMORY=config.daemon_memory,
        SPARK_DAEMON_JAVA_OPTS=f"-Djava.io.tmpdir={tmp}",
        # Read by the Connect server only (clients pass it as `;token=` in the URL).
        SPARK_CONNECT_AUTHENTICATE_TOKEN=token,
    )
    return env


def _server_command(home: Path, cluster: LocalSparkCluster) -> list[str]:
    """spark-submit of the server class in client mode on the standalone master
    (`spark-internal`: the server classes are in jars/, there is no application jar)."""
    config = cluster.config
    submit = [str(home / "bin" / "spark-submit"), "--master", cluster.master_url]
    if config.server == "connect":
        return submit + [
            "--class",
            CONNECT_SERVER_CLASS,
            "--name",
            "omnireport Spark Connect server",
            "--conf",
            f"spark.connect.grpc.binding.address={LOOPBACK}",
            "--conf",
            f"spark.connect.grpc.binding.port={cluster.server_port}",
            "spark-internal",
        ]
    return submit + [
        "--class",
        THRIFT_SERVER_CLASS,
        "--name",
        "omnireport Thrift server",
        "--hiveconf",
        f"hive.server2.thrift.bind.host={LOOPBACK}",
        "--hiveconf",
        f"hive.server2.thrift.port={cluster.server_port}",
        "spark-internal",
    ]


def _start(name: str, command: list[str], env: dict[str, str], directory: Path) -> SparkDaemon:
    log = directory / "logs" / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() signals the whole group
        )
    return SparkDaemon(name, process, log)


def _wait(cluster: LocalSparkCluster, daemon: SparkDaemon, ready: Callable[[], bool]) -> None:
    """Poll `ready()` until true; fail early with the log's tail if the daemon exits."""
    deadline = time.monotonic() + cluster.config.start_timeout_s
    while time.monotonic() < deadline:
        if daemon.process.poll() is not None:
            raise SparkClusterError(
                f"the Spark {daemon.name} exited with code {daemon.process.returncode} "
                f"(log {daemon.log}):\n{daemon.log_tail()}"
            )
        if ready():
            return
        time.sleep(0.5)
    raise SparkClusterError(
        f"the Spark {daemon.name} was not ready after {cluster.config.start_timeout_s:.0f} s "
        f"(log {daemon.log}):\n{daemon.log_tail()}"
    )


def _master_status(cluster: LocalSparkCluster) -> dict[str, Any] | None:
    """The master web UI's /json/ (status ALIVE, aliveworkers, ...), None until it answers."""
    try:
        with urllib.request.urlopen(f"{cluster.master_ui_url}/json/", timeout=2) as response:
            status = json.load(response)
    except (OSError, ValueError):
        return None
    return status if status.get("status") == "ALIVE" else None


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return True
    except OSError:
        return False


def _signal_group(group: int, sig: signal.Signals) -> None:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a reused id of another user's group
        return False
    return True
