"""`factory sandbox build`: build the sandbox base image locally (no registry needed)."""

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Sandbox images.")


@app.command("build")
def build(force: bool = typer.Option(False, "--force", help="rebuild even if an image of this recipe exists"),
          docker: bool = typer.Option(True, help="also import into Docker when an engine answers")) -> None:
    """Build the base image (Debian minbase + python3, pytest, sympy, numpy) for Docker and bubblewrap."""
    from sandboxes import docker_backend, image  # the docker SDK only for this command

    client = docker_backend.engine() if docker else None
    tag = image.build(force=force, docker_client=client)
    where = "Docker and bubblewrap" if client else "bubblewrap (no Docker engine answered)"
    print(f"{tag} ready for {where}; rootfs at {image.rootfs_path(tag)}")
