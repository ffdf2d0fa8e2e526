"""Modal forms: each collects what one API call needs, checks it, sends it, and returns its Task."""

from .associate_key import AssociateKeyForm
from .change_network import ChangeNetworkForm
from .change_offering import ChangeOfferingForm
from .confirm import ActionConfirmModal, ConfirmModal, TypedConfirmModal
from .create_instance import CreateInstanceForm
from .destroy import DestroyForm
from .password import PasswordModal
from .purge import PurgeForm
from .rename import RenameForm

__all__ = [
    "ActionConfirmModal",
    "AssociateKeyForm",
    "ChangeNetworkForm",
    "ChangeOfferingForm",
    "ConfirmModal",
    "CreateInstanceForm",
    "DestroyForm",
    "PasswordModal",
    "PurgeForm",
    "RenameForm",
    "TypedConfirmModal",
]
