from . import freelance_dunning_engine
from . import freelance_dunning_run
