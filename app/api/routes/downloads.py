"""Dataset downloads: the dumps written at startup, listed with size, triple count and SHA-256."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from app.api.state import ServiceState, get_state
from app.core.dumps import CHECKSUMS_FILE

router = APIRouter(tags=["downloads"])
State = Annotated[ServiceState, Depends(get_state)]


@router.get("/data/", summary="List the dataset dumps")
def list_dumps(state: State) -> dict[str, Any]:
    return {
        "version": state.knowledge.version,
        "checksums": f"{state.settings.public_base}/data/{CHECKSUMS_FILE}",
        "dumps": [
            {
                "name": d.name,
                "url": f"{state.settings.public_base}/data/{d.name}",
                "part": d.part,
                "mediaType": d.media_type,
                "triples": d.triples,
                "bytes": d.size,
                "sha256": d.sha256,
            }
            for d in state.dumps
        ],
    }


@router.get("/data/{name}", summary="Download one dump")
def download(name: str, state: State) -> FileResponse:
    known = {d.name: d.media_type for d in state.dumps} | {CHECKSUMS_FILE: "text/plain"}
    if name not in known:
        raise HTTPException(404, f"no dump named {name!r}; see /data/")
    return FileResponse(state.dumps_dir / name, media_type=f"{known[name]}; charset=utf-8", filename=name)
