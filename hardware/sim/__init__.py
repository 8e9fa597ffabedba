"""Faithful simulators: they answer the real protocols on gpiozero MockFactory pins. Never Mock()."""
