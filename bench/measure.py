"""Figures the per-service benchmarks take from the operating system."""
import os
import subprocess


def cpu_seconds(pid):
    """User plus system CPU time a process has used so far (fields 14 and 15 of its
    /proc stat, so Linux only)."""
    with open("/proc/{}/stat".format(pid)) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_pid():
    """RabbitMQ's Erlang VM, the one process that is the broker."""
    found = subprocess.run(["pgrep", "-f", "beam.smp"], capture_output=True, text=True)
    return int(found.stdout.split()[0]) if found.stdout.split() else None


def postgres_cpu_seconds():
    """CPU time of every PostgreSQL process alive now (the server and a backend per
    connection: compare two readings while the pools keep their connections)."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/{}/comm".format(pid)) as comm:
                if comm.read().strip() == "postgres":
                    total += cpu_seconds(pid)
        except OSError:  # gone between the listing and the reading
            continue
    return total
