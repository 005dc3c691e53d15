"""JupyterHub for a class taking SGD Lab, on one server (see deploy/README.md).

The Littlest JupyterHub (TLJH), the usual choice for one server: install TLJH, then

    sudo cp deploy/jupyterhub_config.py /opt/tljh/config/jupyterhub_config.d/sgdlab.py
    sudo tljh-config reload hub

TLJH keeps its own authenticator and its systemd spawner, which enforces the memory and
CPU limits below; its idle culler stops servers nobody uses. Install the course's
environment into TLJH's user environment first (deploy/README.md, step 1).

Plain JupyterHub on one machine, from the project folder:

    python3 -m pip install -c constraints.txt ".[classroom]"
    npm ci                      # configurable-http-proxy, into node_modules/
    PATH="$PWD/node_modules/.bin:$PATH" jupyterhub -f deploy/jupyterhub_config.py

There JupyterHub's default PAM authenticator logs in the machine's own users, and the
default spawner does not enforce the limits (it records them only): size the machine
with deploy/README.md's table instead.

The sizing comes from benchmarks/classroom_sizing.py; deploy/values.yaml (Kubernetes)
uses the same figures, and tests/test_deploy.py checks that the two agree.
"""

c = get_config()  # noqa: F821 (JupyterHub provides get_config)

# Every student lands in JupyterLab; the nbgitpuller link then opens the start page.
c.Spawner.default_url = "/lab"

# Per-student memory and CPU, from deploy/README.md's sizing table.
c.Spawner.mem_guarantee = "576M"
c.Spawner.mem_limit = "1536M"
c.Spawner.cpu_guarantee = 0.5
c.Spawner.cpu_limit = 1.0

# One BLAS/OpenMP thread per student: with many students per core, threads only fight
# over the cores. The course is tested on one thread (CI, .ci/run).
c.Spawner.environment = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}

# Give a busy machine time to start a class's worth of servers at once.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60
