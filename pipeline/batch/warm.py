"""Imported by the local pool's forkserver before it forks a worker, to load once what every worker
needs (see runner.init_worker), and what each of a batch's workers would otherwise load at its first
file: the PDF reader (pypdfium2's bindings) and the rules' patterns, compiled (0.06 s a worker, and
past the first worker's start, as the forkserver is started early: cli._forkserver_early). A small
batch's workers, forked from the command itself, do without: one worker reading one .txt would pay
for them. Importing it anywhere else only does that load early."""
import gc

from .runner import init_worker
from ..readers import pdf  # noqa: F401  (pypdfium2)
from ..rules import compiled, rules

init_worker()
for rule in rules().rules:
    if rule.pattern is not None:
        compiled(rule.id)
gc.freeze()
