from . import sale_order
from . import sale_order_line
from . import project_milestone
