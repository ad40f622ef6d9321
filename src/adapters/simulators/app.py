"""One ASGI app hosting every registry simulator, each under `/{registry_id.lower()}`.

Registration is explicit (`SIMULATORS`): no entry points, no import side effects. Each entry is
`build(world, token) -> Starlette`, serving that registry's own wire format; the adapters reach
it through `Settings.registry_base_url(id)` (`{simulator_url}/{id.lower()}`).
`GET /_sim` lists the simulated registries and their base paths.

Run it with `python -m adapters.simulators.app [--host H] [--port P]` (sizes, seed and token from
the SHARED_DATA_* settings), or call `serve_simulators(settings, host, port)`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from adapters.dkdn.simulator import build_simulator as dkdn_sim
from adapters.hotich.simulator import build_simulator as hotich_sim
from adapters.population.simulator import build_cutru_simulator, build_dancu_simulator
from adapters.simulators.dataset import build_world
from adapters.simulators.world import World
from shared_data.settings import Settings

SimulatorBuilder = Callable[[World, str], Starlette]

SIMULATORS: dict[str, SimulatorBuilder] = {
    "DANCU": build_dancu_simulator,
    "CUTRU": build_cutru_simulator,
    "HOTICH": hotich_sim,
    "DKDN": dkdn_sim,
}


def base_path(registry_id: str) -> str:
    return f"/{registry_id.lower()}"


def create_simulator_app(world: World, token: str) -> Starlette:
    """Every simulator of `SIMULATORS` over `world`, all expecting `token`."""
    listing = [{"id": rid, "base_path": base_path(rid)} for rid in SIMULATORS]

    async def index(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "registries": listing,
                "people": len(world.people),
                "enterprises": len(world.enterprises),
                "as_of": world.as_of.isoformat(),
            }
        )

    routes: list[Route | Mount] = [Route("/_sim", index, methods=["GET"])]
    routes += [Mount(base_path(rid), app=build(world, token)) for rid, build in SIMULATORS.items()]
    return Starlette(routes=routes)


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
