from . import test_web_shop
