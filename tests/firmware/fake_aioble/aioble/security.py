"""Test double of aioble.security: its presence means the port can pair and bond."""
