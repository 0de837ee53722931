from . import client_page
from . import client_page_forms
