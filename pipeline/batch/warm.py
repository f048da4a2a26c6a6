"""Imported by the local pool's forkserver before it forks a worker, to load once what every worker
needs (see runner.init_worker); importing it anywhere else only does that load early."""
from .runner import init_worker

init_worker()
