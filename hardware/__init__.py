"""Drivers for the paddles (buttons, HX711 load cells) and faithful simulators behind the same interfaces.

Only this package knows pins. Pin factories are injected per object, never reached through a global.
"""
