"""Figures the per-service benchmarks take from the operating system."""
import os


def cpu_seconds(pid):
    """User plus system CPU time a process has used so far (fields 14 and 15 of its
    /proc stat, so Linux only)."""
    with open("/proc/{}/stat".format(pid)) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
