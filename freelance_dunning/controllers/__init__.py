from . import client_page
