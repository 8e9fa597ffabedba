"""The hall box's configuration: its sections of the one TOML file ([broker], [sale], [hall], [press])."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from edge.core.press import PressPolicy
from hardware.paddle import PaddleWiring
from shared.config import HALL_SECTIONS, BrokerConfig, ConfigError, LotConfig, PaddleConfig, SaleConfig, build, read

BCM_PINS = range(2, 28)   # the GPIOs on a Raspberry Pi's 40-pin header


@dataclass(frozen=True)
class HallConfig:
    store: str = "var/hall.sqlite3"
    client_id: str = "hall-box"
    hardware: str = "auto"            # auto (a Pi if one is found) | pi | simulated
    rate_sps: int = 80
    sampler_priority: int = 50        # SCHED_FIFO priority of the HX711 sampler process (1-99; 0: normal)
    glitch_per_mille: int = 0         # simulated glitch samples per 1,000 conversions
    cloud: str = "127.0.0.1:1884"     # the cloud broker this hall's broker bridges to (host:port)
    cloud_cafile: str = ""            # the cloud broker's CA: the bridge speaks TLS
    cloud_password: str = ""          # the bridge logs in as hall-{hall} with this password
    paddles: list[PaddleWiring] = field(default_factory=list)


@dataclass(frozen=True)
class DisplayConfig:
    """Where the screens go. Paddle displays are `tiles` on the auctioneer's second screen, one
    Linux `framebuffer` each (small SPI/HDMI panels), `png` files, or `none`."""
    main: str = "window"              # window | png | none
    size: list[int] = field(default_factory=lambda: [1920, 1080])
    paddles: str = "tiles"            # tiles | framebuffer | png | none
    paddle_size: list[int] = field(default_factory=lambda: [320, 240])
    framebuffers: dict[str, str] = field(default_factory=dict)   # paddle number -> /dev/fbN
    mirror: list[int] = field(default_factory=list)              # paddles that show the main display
    fps: int = 30
    media: str = "deploy/media"       # lot images and avatars, by the names in the catalog
    screenshots: str = "var/screens"  # where png sinks write


@dataclass(frozen=True)
class CameraConfig:
    """The hall video for remote bidders (edge/camera.py)."""
    source: str = "none"               # none | synthetic | picamera2 | v4l2
    device: str = "/dev/video0"        # v4l2 only
    fps: int = 2                       # frames a second: a few are enough to see the room
    width: int = 640
    height: int = 360


@dataclass(frozen=True)
class HallBoxConfig:
    broker: BrokerConfig = BrokerConfig()
    sale: SaleConfig = SaleConfig()
    lots: list[LotConfig] = field(default_factory=list)          # the run list, for the auctioneer's screen
    paddles: list[PaddleConfig] = field(default_factory=list)    # holders' names, for the paddle displays
    hall: HallConfig = HallConfig()
    press: PressPolicy = PressPolicy()
    display: DisplayConfig = DisplayConfig()
    camera: CameraConfig = CameraConfig()


def check_wiring(wirings: list[PaddleWiring]) -> None:
    """No paddle number twice, no pin twice, every pin on the header."""
    numbers = [w.number for w in wirings]
    if len(set(numbers)) != len(numbers):
        raise ConfigError("hall.paddles: a paddle number is listed twice")
    used: dict[int, str] = {}
    for w in wirings:
        for role in ("button", "dout", "sck"):
            pin = getattr(w, role)
            if pin not in BCM_PINS:
                raise ConfigError(f"hall.paddles[{w.number}].{role}: GPIO{pin} is not a header pin (2-27)")
            if pin in used:
                raise ConfigError(f"hall.paddles[{w.number}].{role}: GPIO{pin} is already {used[pin]}")
            used[pin] = f"paddle {w.number} {role}"


def load(path: str | Path | None = None) -> HallBoxConfig:
    source, table = read(path)
    config: HallBoxConfig = build(HallBoxConfig, table, source.name, HALL_SECTIONS)
    check_wiring(config.hall.paddles)
    if config.hall.rate_sps not in (10, 80):
        raise ConfigError("hall.rate_sps must be 10 or 80 (the HX711's two rates)")
    if not 0 <= config.hall.sampler_priority <= 99:
        raise ConfigError("hall.sampler_priority must be 0 (normal scheduling) to 99 (SCHED_FIFO's range)")
    if config.hall.hardware not in ("auto", "pi", "simulated"):
        raise ConfigError("hall.hardware must be auto, pi or simulated")
    display = config.display
    if display.main not in ("window", "png", "none") or display.paddles not in ("tiles", "framebuffer", "png", "none"):
        raise ConfigError("display.main must be window, png or none; display.paddles tiles, framebuffer, png or none")
    if len(display.size) != 2 or len(display.paddle_size) != 2 or not 1 <= display.fps <= 60:
        raise ConfigError("display.size and display.paddle_size are [width, height]; display.fps is 1-60")
    camera = config.camera
    if camera.source not in ("none", "synthetic", "picamera2", "v4l2") or not 1 <= camera.fps <= 15:
        raise ConfigError("camera.source must be none, synthetic, picamera2 or v4l2; camera.fps 1-15 (a few frames a second)")
    return config
