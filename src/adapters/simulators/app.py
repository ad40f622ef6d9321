"""One ASGI app hosting every registry simulator, each under `/{registry_id.lower()}`.

Registration is explicit (`SIMULATORS`): no entry points, no import side effects. Each entry is
`build(world, token) -> Starlette`, serving that registry's own wire format; the adapters reach
it through `Settings.registry_base_url(id)` (`{simulator_url}/{id.lower()}`).

The outermost layer is fault injection (`simulators.faults`; outermost so that a `reset` can
abort the connection itself). It owns the admin routes: `GET /_sim` lists each simulated
registry with its base path and fault path (and the dataset's size and date),
`/_sim/faults/{id}` sets and clears faults, `/_sim/stats` counts upstream requests.

Run it with `python -m adapters.simulators.app [--host H] [--port P]` (sizes, seed and token from
the SHARED_DATA_* settings), or call `serve_simulators(settings, host, port)`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.routing import Mount

from adapters.bhxh.simulator import build_simulator as bhxh_sim
from adapters.datdai.simulator import build_simulator as datdai_sim
from adapters.declarative.simulators.asxh import build_simulator as asxh_sim
from adapters.declarative.simulators.vbcc import build_simulator as vbcc_sim
from adapters.dkdn.simulator import build_simulator as dkdn_sim
from adapters.dkxe.simulator import build_simulator as dkxe_sim
from adapters.gplx.simulator import build_simulator as gplx_sim
from adapters.hn_kho.simulator import build_simulator as hn_kho_sim
from adapters.hotich.simulator import build_simulator as hotich_sim
from adapters.lltp.simulator import build_simulator as lltp_sim
from adapters.population.simulator import build_cutru_simulator, build_dancu_simulator
from adapters.simulators.dataset import build_world
from adapters.simulators.faults import FaultInjector, wrap_with_faults
from adapters.simulators.world import World
from adapters.thue.simulator import build_simulator as thue_sim
from adapters.yte.simulator import build_simulator as yte_sim
from shared_data.settings import Settings

SimulatorBuilder = Callable[[World, str], Starlette]

SIMULATORS: dict[str, SimulatorBuilder] = {
    "DANCU": build_dancu_simulator,
    "CUTRU": build_cutru_simulator,
    "HOTICH": hotich_sim,
    "DKDN": dkdn_sim,
    "HN_KHO": hn_kho_sim,
    "THUE": thue_sim,
    "GPLX": gplx_sim,
    "DKXE": dkxe_sim,
    "YTE": yte_sim,
    "VBCC": vbcc_sim,
    "ASXH": asxh_sim,
    "BHXH": bhxh_sim,
    "DATDAI": datdai_sim,
    "LLTP": lltp_sim,
}


def base_path(registry_id: str) -> str:
    return f"/{registry_id.lower()}"


def create_simulator_app(world: World, token: str) -> FaultInjector:
    """Every simulator of `SIMULATORS` over `world`, all expecting `token`, behind faults."""
    routes = [Mount(base_path(rid), app=build(world, token)) for rid, build in SIMULATORS.items()]
    dataset = {
        "people": len(world.people),
        "enterprises": len(world.enterprises),
        "as_of": world.as_of.isoformat(),
    }
    return wrap_with_faults(Starlette(routes=routes), list(SIMULATORS), listing=dataset)


def simulator_world(settings: Settings) -> World:
    return build_world(
        people=settings.sim_people, enterprises=settings.sim_enterprises, seed=settings.sim_seed
    )


def serve_simulators(settings: Settings, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve every simulator until interrupted (blocking)."""
    import uvicorn  # only the server needs it; tests and the API import this module too

    app = create_simulator_app(
        simulator_world(settings), settings.simulator_token.get_secret_value()
    )
    # No access log: it would cost more than the simulated registry itself (PERFORMANCE_NOTES).
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


def main(argv: list[str] | None = None) -> None:
    settings = Settings()
    # By default, listen where the adapters will look for the simulators.
    url = urlsplit(settings.simulator_url)
    parser = argparse.ArgumentParser(description="Serve the registry simulators.")
    parser.add_argument("--host", default=url.hostname or "127.0.0.1")
    parser.add_argument("--port", type=int, default=url.port or 8001)
    args = parser.parse_args(argv)
    serve_simulators(settings, args.host, args.port)


if __name__ == "__main__":
    main()
