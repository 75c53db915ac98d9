"""textmine: mining Chinese policy texts such as local government work reports."""

__version__ = "0.1.0"
