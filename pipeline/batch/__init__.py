"""Many files at once: the pool of workers that runs the stages on each file under its limits and
writes the outputs as records come (runner), and the forkserver the workers are forked from
(forkserver, warm)."""
