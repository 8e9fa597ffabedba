"""The arbiter's configuration: its sections of the one TOML file, as one typed object.

Amounts in the file are whole currency units (what people write); the loader turns them into
integer minor units. Without a file, `deploy/demo.toml` is used: the sale the demo runs.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloud.parity import PARITY_MS
from cloud.core.catalog import BidderSpec, DutchSpec, LotSpec, PaddleSpec, Rate, SaleSpec, SettlementTerms
from cloud.core.discounts import DiscountPolicy
from cloud.core.increments import Ladder, ladder_from_rows, saleroom_ladder
from shared.config import CLOUD_SECTIONS, BrokerConfig, ConfigError, LotConfig, PaddleConfig, SaleConfig, build, read
from shared.messages import PIN_HASH_RE
from shared.money import MINOR_DIGITS, major

__all__ = ["BrokerConfig", "Config", "ConfigError", "LotConfig", "PaddleConfig", "SaleConfig", "load"]


@dataclass(frozen=True)
class ArbiterConfig:
    journal: str = "var/arbiter.sqlite3"
    client_id: str = "arbiter"
    batch_max: int = 2048
    bids_per_s: int = 5               # per online bidder (0: no limit, as in the bench)
    bid_burst: int = 10
    parity_ms: int = PARITY_MS        # online bids and maxima are sequenced this long after they arrive (docs/parity.md)


@dataclass(frozen=True)
class WebConfig:
    """The remote bidders' page (./hall web) and where it tells browsers to find the broker."""
    host: str = "127.0.0.1"
    port: int = 8080
    broker_url: str = "ws://127.0.0.1:9001"   # the cloud broker's WebSockets listener (wss:// in production)
    media: str = "deploy/media"               # lot images and avatars, by the names in the catalog
    certfile: str = ""                        # serve the page over HTTPS
    keyfile: str = ""
    registration: bool = False                # the page's "register" form (the house still approves)
    house_password: str = ""                  # the server's `house` broker login, for registrations
    password_file: str = ""                   # add each registered bidder's broker login here ...
    reload_command: str = ""                  # ... then run this (e.g. "systemctl reload mosquitto")


@dataclass(frozen=True)
class BidderConfig:
    account: str
    handle: str
    avatar: str = ""
    pin_hash: str = ""                # ./hall account hash-pin: the clear PIN is never in the file
    limit: int = 0                    # spending limit in whole currency units; 0 = none


@dataclass(frozen=True)
class LadderConfig:
    bands: list[list[Any]]


@dataclass(frozen=True)
class Config:
    broker: BrokerConfig = BrokerConfig()
    arbiter: ArbiterConfig = ArbiterConfig()
    web: WebConfig = WebConfig()
    sale: SaleConfig = SaleConfig()
    discount: DiscountPolicy = DiscountPolicy()
    ladders: dict[str, LadderConfig] = field(default_factory=dict)
    lots: list[LotConfig] = field(default_factory=list)
    paddles: list[PaddleConfig] = field(default_factory=list)
    bidders: list[BidderConfig] = field(default_factory=list)

    def sale_spec(self) -> SaleSpec:
        """The sale as the core sees it, amounts in minor units."""
        currency = self.sale.currency
        unit = major(1, currency)
        ladders = {name: _house_ladder(name, cfg, unit) for name, cfg in self.ladders.items()}
        ladders.setdefault("saleroom", saleroom_ladder(unit))
        for index, lot in enumerate(self.lots):
            if not lot.title and not lot.item:
                raise ConfigError(f"lots[{index}]: a lot needs a title, or an item whose catalog entry gives it one")
        lots = tuple(_lot_spec(lot, ladders, unit) for lot in self.lots)
        return SaleSpec(
            sale=self.sale.id, hall=self.sale.hall, currency=currency, ladder=_ladder(ladders, self.sale.ladder, "sale.ladder"),
            lots=lots, paddles=tuple(PaddleSpec(p.number, p.name, p.account or None) for p in self.paddles),
            bidders=tuple(BidderSpec(b.account, b.handle, b.avatar or None, b.pin_hash, b.limit * unit or None) for b in self.bidders),
            premium_bp=self.sale.premium_bp, grace_ms=self.sale.grace_ms, max_bid_multiple=self.sale.max_bid_multiple,
            discount=self.discount, pin_attempts=self.sale.pin_attempts, pin_lockout_ms=self.sale.pin_lockout_s * 1000,
            terms=_terms(self.sale, unit))


def _terms(sale: SaleConfig, unit: int) -> SettlementTerms:
    if min(sale.commission_bp, sale.commission_min, sale.default_fee_bp, sale.default_fee_min) < 0 \
            or max(sale.commission_bp, sale.default_fee_bp) > 10_000:
        raise ConfigError("sale: commission_bp and default_fee_bp must be 0-10000, their minima not negative")
    if sale.pay_within_s <= 0 or sale.release_after_s <= 0:
        raise ConfigError("sale: pay_within_s and release_after_s must be positive")
    return SettlementTerms(Rate(sale.commission_bp, sale.commission_min * unit), sale.pay_within_s * 1000,
                           Rate(sale.default_fee_bp, sale.default_fee_min * unit), sale.release_after_s * 1000)


def _house_ladder(name: str, cfg: LadderConfig, unit: int) -> Ladder:
    """A [ladders.NAME] table: bands of [from, [step, ...]] in whole units, from 0 up, steps positive."""
    where = f"ladders.{name}.bands"
    for i, band in enumerate(cfg.bands):
        if len(band) != 2 or type(band[0]) is not int or type(band[1]) is not list or any(type(s) is not int for s in band[1]):
            raise ConfigError(f"{where}[{i}] must be [from, [step, ...]] in whole currency units, got {band!r}")
    try:
        return ladder_from_rows([(band[0], band[1]) for band in cfg.bands], unit)
    except ValueError as exc:                     # the ladder's own rules: from 0, increasing, positive steps
        raise ConfigError(f"{where}: {exc}") from None


def _ladder(ladders: dict[str, Ladder], name: str, where: str) -> Ladder:
    if name not in ladders:
        raise ConfigError(f"{where}: no ladder named {name!r} (have: {', '.join(sorted(ladders))})")
    return ladders[name]


def _lot_spec(lot: LotConfig, ladders: dict[str, Ladder], unit: int) -> LotSpec:
    where = f"lots[{lot.id}]"
    if lot.kind not in ("english", "dutch"):
        raise ConfigError(f"{where}.kind must be english or dutch")
    dutch = None
    if lot.kind == "dutch":
        if not 0 < lot.floor < lot.top or lot.duration_s <= 0 or lot.schedule not in ("steps", "linear") or lot.step_s <= 0:
            raise ConfigError(f"{where}: a Dutch lot needs 0 < floor < top, duration_s > 0, schedule steps|linear, step_s > 0")
        dutch = DutchSpec(lot.top * unit, lot.floor * unit, lot.duration_s * 1000, lot.schedule, lot.step_s * 1000)
    elif lot.opening <= 0:
        raise ConfigError(f"{where}.opening must be a positive amount")
    if lot.estimate and (len(lot.estimate) != 2 or lot.estimate[0] > lot.estimate[1]):
        raise ConfigError(f"{where}.estimate must be [low, high]")
    low, high = (lot.estimate[0] * unit, lot.estimate[1] * unit) if lot.estimate else (None, None)
    return LotSpec(lot.id, lot.title, lot.kind, lot.opening * unit, lot.reserve * unit,
                   _ladder(ladders, lot.ladder, f"{where}.ladder") if lot.ladder else None, dutch,
                   lot.description, lot.image or None, low, high, lot.item or None)


def load(path: str | Path | None = None) -> Config:
    """Read and check the TOML file (default: the demo sale)."""
    source, table = read(path)
    return checked(table, source.name)


def sale_definition(text: str) -> SaleSpec:
    """A sale definition sent to a running house (`./hall sale load FILE`): the same TOML as a config
    file's [sale], [[lots]], [[paddles]], [[bidders]] and ladders, checked the same way."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"sale definition: {exc}") from None
    return checked(table, "sale definition").sale_spec()


def checked(table: dict[str, Any], where: str) -> Config:
    config: Config = build(Config, table, where, CLOUD_SECTIONS)
    if config.sale.currency not in MINOR_DIGITS:
        raise ConfigError(f"sale.currency {config.sale.currency!r} is unknown")
    for bidder in config.bidders:
        if bidder.pin_hash and not PIN_HASH_RE.fullmatch(bidder.pin_hash):
            raise ConfigError(f"bidders[{bidder.account}].pin_hash is not a hash from ./hall account hash-pin")
    if config.sale.pin_attempts < 1 or config.sale.pin_lockout_s < 0:
        raise ConfigError("sale.pin_attempts must be at least 1 and sale.pin_lockout_s not negative")
    config.sale_spec()  # every cross-reference checked now, not on sale day
    return config
