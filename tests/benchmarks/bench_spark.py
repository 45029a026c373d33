"""The Spark engine in local mode at growing corpus sizes: time, driver memory, Spark task metrics.

    nice -n 10 python3 tests/benchmarks/bench_spark.py 10000 50000 --driver-memory 512m

Each size is generated once (gen_corpus.py, under --work) and built in a fresh process, so every
figure is that build's alone: wall time; CPU time of the driver, the JVM and its Python workers
(on a shared machine far steadier than wall time); peak RSS of the Python driver and of the JVM (in local
mode the JVM is driver and executor at once, capped by spark.driver.memory); the JVM heap's
peak; and, from Spark's monitoring API, the tasks' summed run time, input, shuffle and spill.
``--check`` also builds locally and compares statements and counts (docs/spark.md, "Equivalence").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))


def one(n: int, corpus: Path, out: Path, driver_memory: str, partitions: int, check: bool) -> dict:
    """Build ``corpus`` with Spark (in this process) and return the figures."""
    from graph.spark.engine import build_spark, start_session

    conf = [("spark.driver.memory", driver_memory), ("spark.sql.shuffle.partitions", str(partitions)),
            ("spark.ui.showConsoleProgress", "false")]
    started = time.perf_counter()
    spark = start_session("local[2]", conf)
    spark.sparkContext.setLogLevel("ERROR")
    session = time.perf_counter() - started
    jvm = spark._jvm
    jvm_pid = jvm.java.lang.ProcessHandle.current().pid()
    cpu = _tree_cpu(jvm_pid) + _own_cpu()
    started = time.perf_counter()
    result = build_spark([str(corpus)], str(out), spark=spark)
    build = time.perf_counter() - started
    cpu = _tree_cpu(jvm_pid) + _own_cpu() - cpu
    heap_peak = sum(pool.getPeakUsage().getUsed() for pool in jvm.java.lang.management.ManagementFactory
                    .getMemoryPoolMXBeans() if str(pool.getType()) == "Heap memory")
    figures = {
        "files": n, "session_s": round(session, 1), "build_s": round(build, 1), "build_cpu_s": round(cpu, 1),
        "ms_per_file": round(1000 * build / n, 2),
        "python_driver_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "jvm_peak_rss_mb": _vm_hwm(jvm_pid) // 1024, "jvm_heap_peak_mb": heap_peak // 2**20,
        **_task_metrics(spark), "output_mb": _size(out) // 2**20,
        "counts": result.report["counts"],
    }
    if check:
        figures["equivalent"] = _check(corpus, out, result.report)
    spark.stop()
    return figures


def _tree_cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` and its descendants (in local mode: the JVM and its Python
    workers), waited-for children included: on a shared machine far steadier than wall time."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    ticks, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        todo.extend(children.get(current, ()))
    return ticks / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _task_metrics(spark) -> dict:
    """Task metrics summed over every stage, from the monitoring REST API of this application."""
    url = spark.sparkContext.uiWebUrl
    app = spark.sparkContext.applicationId
    with urllib.request.urlopen(f"{url}/api/v1/applications/{app}/stages?status=complete") as response:
        stages = json.load(response)
    total = {key: sum(s.get(key, 0) for s in stages) for key in (
        "numCompleteTasks", "executorRunTime", "executorCpuTime", "inputBytes", "shuffleReadBytes",
        "shuffleWriteBytes", "memoryBytesSpilled", "diskBytesSpilled", "outputBytes")}
    return {"stages": len(stages), "tasks": total["numCompleteTasks"],
            "task_run_s": round(total["executorRunTime"] / 1000, 1),
            "task_cpu_s": round(total["executorCpuTime"] / 1e9, 1),
            "input_mb": total["inputBytes"] // 2**20, "shuffle_read_mb": total["shuffleReadBytes"] // 2**20,
            "shuffle_write_mb": total["shuffleWriteBytes"] // 2**20,
            "spill_memory_mb": total["memoryBytesSpilled"] // 2**20, "spill_disk_mb": total["diskBytesSpilled"] // 2**20}


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.name.endswith(".crc"))


def _check(corpus: Path, out: Path, report: dict) -> bool:
    from graph.pipeline import build

    local = build([corpus], out.with_name(out.name + "-local"), ["ntriples"], jobs=2)
    nt = (out.with_name(out.name + "-local") / "graph.nt").read_text(encoding="utf-8").splitlines()
    parts = [line for f in sorted((out / "graph.nt").glob("part-*")) for line in f.read_text(encoding="utf-8").splitlines()]
    return set(nt) == set(parts) and len(parts) == len(set(parts)) and local.report["counts"] == report["counts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[10_000, 50_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/linkgraph-bench-spark"))
    parser.add_argument("--driver-memory", default="512m")
    parser.add_argument("--partitions", type=int, default=8, help="spark.sql.shuffle.partitions")
    parser.add_argument("--check", action="store_true", help="also build locally and compare")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        corpus, out = args.work / f"corpus-{args.one}" / "Texts", args.work / f"out-{args.one}"
        print(json.dumps(one(args.one, corpus, out, args.driver_memory, args.partitions, args.check)))
        return
    for n in args.sizes:
        corpus = args.work / f"corpus-{n}"
        if not corpus.exists():
            subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(n), str(corpus)], check=True,
                           stdout=subprocess.DEVNULL)
        command = [sys.executable, __file__, "--one", str(n), "--work", str(args.work),
                   "--driver-memory", args.driver_memory, "--partitions", str(args.partitions)]
        run = subprocess.run(command + (["--check"] if args.check else []), check=True, capture_output=True, text=True)
        print(run.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
