"""The states each operation is allowed from: the seed's gates (shared/seed/instances.md), and
for the operations it does not gate the issue's choice (Running and Stopped). Written out
here, not read from the code's own table: the app and the simulator are checked against it."""

SEED_GATES: dict[str, tuple[str, ...]] = {
    "start": ("Stopped",),
    "stop": ("Running",),
    "reboot": ("Running", "Stopped"),
    "destroy": ("Running", "Stopped", "Error"),
    "purge": ("Destroyed",),
    "recover": ("Destroyed",),
    "changeComputeOffering": ("Running", "Stopped"),
    "resetPassword": ("Running", "Stopped"),
    "changeNetwork": ("Running", "Stopped"),
    "associateSSHKey": ("Running", "Stopped"),
    "update": ("Running", "Stopped"),
}
