"""Seeded, realistic MICROCOM catalogue rows: CCTV cameras, DVRs, NVRs, kits, disks, PoE
switches, cable, power supplies and accessories, with plausible specs and prices.

:func:`generate` builds ``n`` rows (raw strings, as an import file has them, with the Spanish
headers of :data:`HEADER`) deterministically from a seed: real model codes (Hikvision
DS-2CE16D0T-IRPF, DS-2CD1043G0-I, DS-7104HGHI-M1; Dahua IPC-HFW1230S, HAC-HFW1200TL,
XVR5104HS-I3, NVR2104HS-P-S3; Ezviz C6N; Imou; TP-Link Tapo C200; Uniview; WD Purple ...) in
their lens variants, list prices in USD (imported goods) or ARS (cable, power, consumer
cameras), VAT 10.5 % or 21 %, stock in the warehouses "CABA" and "Córdoba" (some out of
stock everywhere) and, with ``expired``, a few prices whose validity ended. Past the real
variants (about 150), further rows repeat them in black (``-B``), grey (``-G``), then as
numbered series (``-S4`` ...), so any
number of rows can be made (benches use 100,000).

``python -m bench.catalogue_data FILE [N]`` writes a sample file; the shipped
``perla_entrypoints/data/catalogue_sample.csv`` is ``write_sample()``'s (300 rows, two expired
prices, one malformed row).
"""

from __future__ import annotations

import csv
import io
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Final

import attrs

Row = dict[str, str]

HEADER: Final = (
    "sku",
    "marca",
    "modelo",
    "categoria",
    "descripcion",
    "resolucion",
    "formato",
    "ubicacion",
    "ir",
    "lente",
    "poe",
    "canales",
    "almacenamiento",
    "wifi",
    "audio",
    "iva",
    "precio",
    "moneda",
    "vigencia_desde",
    "vigencia_hasta",
    "stock CABA",
    "stock Córdoba",
)
WAREHOUSES: Final = ("CABA", "Córdoba")
SAMPLE_PATH: Final = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "perla_entrypoints"
    / "data"
    / "catalogue_sample.csv"
)
SAMPLE_TODAY: Final = date(2026, 11, 24)

_FORM_ES: Final = {
    "dome": "domo",
    "bullet": "bullet",
    "turret": "turret",
    "ptz": "PTZ",
    "box": "cubo",
    "fisheye": "fisheye",
}


@attrs.frozen
class Camera:
    brand: str
    model: str
    mp: str
    form: str
    placement: str
    ir: int
    lenses: tuple[str, ...]
    usd: int
    ip: bool
    poe: bool = False
    wifi: bool = False
    audio: bool = False
    currency: str = "USD"


CAMERAS: Final = (
    # Hikvision Turbo HD (analog)
    Camera(
        "Hikvision",
        "DS-2CE16D0T-IRPF",
        "2",
        "bullet",
        "outdoor",
        20,
        ("2.8", "3.6", "6"),
        19,
        False,
    ),
    Camera("Hikvision", "DS-2CE56D0T-IRPF", "2", "dome", "indoor", 20, ("2.8", "3.6"), 18, False),
    Camera("Hikvision", "DS-2CE76D0T-ITPF", "2", "turret", "both", 20, ("2.8", "3.6"), 21, False),
    Camera(
        "Hikvision", "DS-2CE16H0T-ITPF", "5", "bullet", "outdoor", 20, ("2.8", "3.6"), 29, False
    ),
    Camera(
        "Hikvision",
        "DS-2CE17D0T-IT3F",
        "2",
        "bullet",
        "outdoor",
        40,
        ("2.8", "3.6", "6"),
        26,
        False,
    ),
    Camera(
        "Hikvision",
        "DS-2CE16D0T-ITFS",
        "2",
        "bullet",
        "outdoor",
        30,
        ("2.8", "3.6"),
        27,
        False,
        audio=True,
    ),
    Camera(
        "Hikvision",
        "DS-2CE12DF3T-FS",
        "2",
        "bullet",
        "outdoor",
        40,
        ("3.6",),
        48,
        False,
        audio=True,
    ),
    # Hikvision IP
    Camera(
        "Hikvision",
        "DS-2CD1043G0-I",
        "4",
        "bullet",
        "outdoor",
        30,
        ("2.8", "4"),
        62,
        True,
        poe=True,
    ),
    Camera(
        "Hikvision", "DS-2CD1143G0-I", "4", "dome", "both", 30, ("2.8", "4"), 60, True, poe=True
    ),
    Camera(
        "Hikvision", "DS-2CD1343G0-I", "4", "turret", "both", 30, ("2.8", "4"), 64, True, poe=True
    ),
    Camera(
        "Hikvision",
        "DS-2CD1023G0E-I",
        "2",
        "bullet",
        "outdoor",
        30,
        ("2.8", "4"),
        45,
        True,
        poe=True,
    ),
    Camera(
        "Hikvision", "DS-2CD2143G2-I", "4", "dome", "both", 30, ("2.8", "4"), 118, True, poe=True
    ),
    Camera(
        "Hikvision",
        "DS-2CD2T43G2-4I",
        "4",
        "bullet",
        "outdoor",
        80,
        ("2.8", "4", "6"),
        149,
        True,
        poe=True,
    ),
    Camera(
        "Hikvision",
        "DS-2CD2387G2-LU",
        "8",
        "turret",
        "both",
        40,
        ("2.8", "4"),
        189,
        True,
        poe=True,
        audio=True,
    ),
    Camera(
        "Hikvision",
        "DS-2CD2643G2-IZS",
        "4",
        "bullet",
        "outdoor",
        60,
        ("2.8-12",),
        235,
        True,
        poe=True,
    ),
    Camera(
        "Hikvision",
        "DS-2DE4A425IWG-E",
        "4",
        "ptz",
        "outdoor",
        100,
        ("4.8-120",),
        690,
        True,
        poe=True,
    ),
    Camera(
        "Hikvision",
        "DS-2CD2955G0-ISU",
        "5",
        "fisheye",
        "indoor",
        8,
        ("1.05",),
        380,
        True,
        poe=True,
        audio=True,
    ),
    # Dahua HDCVI (analog)
    Camera("Dahua", "HAC-HFW1200TL", "2", "bullet", "outdoor", 30, ("2.8", "3.6", "6"), 20, False),
    Camera("Dahua", "HAC-HDW1200TRQ", "2", "turret", "both", 20, ("2.8", "3.6"), 19, False),
    Camera("Dahua", "HAC-HDBW1200E", "2", "dome", "both", 30, ("2.8", "3.6"), 23, False),
    Camera("Dahua", "HAC-HFW1500TL", "5", "bullet", "outdoor", 30, ("2.8", "3.6"), 31, False),
    Camera(
        "Dahua", "HAC-HFW1200CM-A", "2", "bullet", "outdoor", 20, ("2.8",), 22, False, audio=True
    ),
    Camera(
        "Dahua", "HAC-HFW1801TLM-A", "8", "bullet", "outdoor", 80, ("3.6",), 74, False, audio=True
    ),
    # Dahua IP
    Camera(
        "Dahua",
        "IPC-HFW1230S",
        "2",
        "bullet",
        "outdoor",
        30,
        ("2.8", "3.6", "6"),
        48,
        True,
        poe=True,
    ),
    Camera("Dahua", "IPC-HDW1230T1-S5", "2", "turret", "both", 30, ("2.8",), 47, True, poe=True),
    Camera(
        "Dahua",
        "IPC-HFW2431S-S-S2",
        "4",
        "bullet",
        "outdoor",
        30,
        ("2.8", "3.6"),
        99,
        True,
        poe=True,
    ),
    Camera("Dahua", "IPC-HDBW2431E-S-S2", "4", "dome", "both", 30, ("2.8",), 97, True, poe=True),
    Camera(
        "Dahua",
        "IPC-HFW2831T-ZS-S2",
        "8",
        "bullet",
        "outdoor",
        60,
        ("2.7-13.5",),
        285,
        True,
        poe=True,
    ),
    Camera("Dahua", "SD49225XA-HNR", "2", "ptz", "outdoor", 100, ("4.8-120",), 610, True, poe=True),
    Camera(
        "Dahua",
        "IPC-EW5541-AS",
        "5",
        "fisheye",
        "indoor",
        10,
        ("1.4",),
        330,
        True,
        poe=True,
        audio=True,
    ),
    # Ezviz, Imou, TP-Link Tapo (consumer Wi-Fi, priced in ARS)
    Camera(
        "Ezviz",
        "C6N",
        "2",
        "ptz",
        "indoor",
        10,
        ("4",),
        38,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "Ezviz",
        "C6N 4MP",
        "4",
        "ptz",
        "indoor",
        10,
        ("4",),
        49,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "Ezviz", "C3TN", "2", "bullet", "outdoor", 30, ("2.8",), 46, True, wifi=True, currency="ARS"
    ),
    Camera(
        "Ezviz",
        "C1C-B",
        "2",
        "box",
        "indoor",
        12,
        ("2.8",),
        29,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "Ezviz",
        "H8c",
        "2",
        "ptz",
        "outdoor",
        30,
        ("4",),
        62,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "Imou",
        "IPC-A22EP Ranger 2",
        "2",
        "ptz",
        "indoor",
        10,
        ("3.6",),
        31,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "Imou",
        "IPC-F22P Bullet 2C",
        "2",
        "bullet",
        "outdoor",
        30,
        ("3.6",),
        36,
        True,
        wifi=True,
        currency="ARS",
    ),
    Camera(
        "Imou",
        "IPC-C22EP Cue 2",
        "2",
        "box",
        "indoor",
        10,
        ("2.8",),
        24,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "Imou",
        "IPC-S42FP Cruiser",
        "4",
        "ptz",
        "outdoor",
        30,
        ("3.6",),
        79,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "TP-Link",
        "Tapo C200",
        "2",
        "ptz",
        "indoor",
        10,
        ("4",),
        29,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "TP-Link",
        "Tapo C210",
        "3",
        "ptz",
        "indoor",
        10,
        ("4",),
        35,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "TP-Link",
        "Tapo C310",
        "3",
        "bullet",
        "outdoor",
        30,
        ("3.89",),
        44,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "TP-Link",
        "Tapo C320WS",
        "4",
        "bullet",
        "outdoor",
        30,
        ("3.18",),
        58,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    Camera(
        "TP-Link",
        "Tapo C500",
        "2",
        "ptz",
        "outdoor",
        30,
        ("4",),
        54,
        True,
        wifi=True,
        audio=True,
        currency="ARS",
    ),
    # Uniview
    Camera(
        "Uniview", "IPC2122LB-SF28-A", "2", "bullet", "outdoor", 30, ("2.8",), 52, True, poe=True
    ),
    Camera("Uniview", "IPC3612LB-SF28-A", "2", "turret", "both", 30, ("2.8",), 50, True, poe=True),
    Camera(
        "Uniview",
        "IPC2124LB-SF40KM-G",
        "4",
        "bullet",
        "outdoor",
        30,
        ("4",),
        88,
        True,
        poe=True,
        audio=True,
    ),
    Camera(
        "Uniview",
        "IPC3614SB-ADF28KM-I0",
        "4",
        "turret",
        "both",
        30,
        ("2.8",),
        86,
        True,
        poe=True,
        audio=True,
    ),
    Camera("Uniview", "IPC322LB-DSF28K-G", "2", "dome", "both", 30, ("2.8",), 49, True, poe=True),
)

# (brand, model, category, channels, description, usd, poe)
RECORDERS: Final = (
    (
        "Hikvision",
        "DS-7104HGHI-M1",
        "dvr",
        4,
        "DVR Turbo HD 1080p lite 4 canales + 1 IP, H.265 Pro+",
        42,
        False,
    ),
    (
        "Hikvision",
        "DS-7108HGHI-M1",
        "dvr",
        8,
        "DVR Turbo HD 1080p lite 8 canales + 2 IP, H.265 Pro+",
        61,
        False,
    ),
    (
        "Hikvision",
        "DS-7116HGHI-K1",
        "dvr",
        16,
        "DVR Turbo HD 1080p lite 16 canales + 2 IP, H.265 Pro+",
        108,
        False,
    ),
    (
        "Hikvision",
        "iDS-7204HQHI-M1/S",
        "dvr",
        4,
        "DVR AcuSense 4 canales 1080p, 1 bahía SATA",
        72,
        False,
    ),
    (
        "Hikvision",
        "iDS-7208HUHI-M1/S",
        "dvr",
        8,
        "DVR AcuSense 8 canales 5MP, 1 bahía SATA",
        129,
        False,
    ),
    ("Hikvision", "DS-7104NI-Q1/4P", "nvr", 4, "NVR 4 canales IP con 4 puertos PoE, 4K", 89, True),
    ("Hikvision", "DS-7108NI-Q1/8P", "nvr", 8, "NVR 8 canales IP con 8 puertos PoE, 4K", 139, True),
    ("Hikvision", "DS-7608NI-Q2/8P", "nvr", 8, "NVR 8 canales 4K, 2 bahías SATA, 8 PoE", 219, True),
    ("Hikvision", "DS-7616NI-Q2", "nvr", 16, "NVR 16 canales 4K, 2 bahías SATA", 199, False),
    ("Dahua", "XVR1B04-I", "dvr", 4, "XVR Penta-brid 4 canales 1080N, WizSense", 39, False),
    ("Dahua", "XVR1B08-I", "dvr", 8, "XVR Penta-brid 8 canales 1080N, WizSense", 56, False),
    ("Dahua", "XVR5104HS-I3", "dvr", 4, "XVR Penta-brid 4 canales 5M-N/1080p, WizSense", 68, False),
    ("Dahua", "XVR5108HS-I3", "dvr", 8, "XVR Penta-brid 8 canales 5M-N/1080p, WizSense", 98, False),
    (
        "Dahua",
        "XVR5116HS-I3",
        "dvr",
        16,
        "XVR Penta-brid 16 canales 5M-N/1080p, WizSense",
        169,
        False,
    ),
    ("Dahua", "NVR2104HS-P-S3", "nvr", 4, "NVR 4 canales IP, 4 PoE, H.265", 92, True),
    ("Dahua", "NVR2108HS-8P-S3", "nvr", 8, "NVR 8 canales IP, 8 PoE, H.265", 149, True),
    ("Dahua", "NVR4116HS-4KS2", "nvr", 16, "NVR 16 canales 4K, 1 bahía SATA", 139, False),
    ("Uniview", "NVR301-04LS3-P4", "nvr", 4, "NVR 4 canales, 4 PoE, Ultra 265", 84, True),
    ("Ezviz", "X5S-4W", "nvr", 4, "NVR Wi-Fi 4 canales 1080p", 95, False),
)

# (brand, model, tb, usd)
DISKS: Final = (
    ("Western Digital", "WD10PURZ", "1", 55),
    ("Western Digital", "WD20PURZ", "2", 76),
    ("Western Digital", "WD40PURZ", "4", 116),
    ("Western Digital", "WD64PURZ", "6", 172),
    ("Western Digital", "WD85PURZ", "8", 236),
    ("Seagate", "ST1000VX013", "1", 52),
    ("Seagate", "ST2000VX017", "2", 72),
    ("Seagate", "ST4000VX016", "4", 110),
    ("Seagate", "ST6000VX009", "6", 168),
    ("Seagate", "ST8000VE001", "8", 229),
)

# (brand, model, ports PoE, description, usd)
SWITCHES: Final = (
    ("TP-Link", "TL-SF1005P", 4, "Switch 5 puertos 10/100 con 4 PoE 58W", 32),
    ("TP-Link", "TL-SF1008P", 4, "Switch 8 puertos 10/100 con 4 PoE 57W", 39),
    ("TP-Link", "TL-SG1008P", 4, "Switch 8 puertos Gigabit con 4 PoE 55W", 55),
    ("TP-Link", "TL-SG1016PE", 8, "Switch 16 puertos Gigabit Easy Smart con 8 PoE+", 165),
    ("Hikvision", "DS-3E0105P-E/M", 4, "Switch 5 puertos con 4 PoE 35W", 29),
    ("Hikvision", "DS-3E0109P-E/M", 8, "Switch 9 puertos con 8 PoE 60W", 49),
    ("Hikvision", "DS-3E0318P-E/M", 16, "Switch 18 puertos con 16 PoE 130W", 128),
    ("Dahua", "PFS3005-4ET-60", 4, "Switch 5 puertos con 4 PoE 60W", 31),
    ("Dahua", "PFS3010-8ET-96", 8, "Switch 10 puertos con 8 PoE 96W", 62),
)

# (brand, model, category, description, ars)
SUPPLIES: Final = (
    ("Furukawa", "CAT5E-305", "cable", "Cable UTP Cat5e exterior bobina 305 m", 168000),
    ("Furukawa", "CAT6-305", "cable", "Cable UTP Cat6 interior bobina 305 m", 245000),
    ("Nexxt", "AB355NXT01", "cable", "Cable UTP Cat5e interior bobina 305 m", 112000),
    ("Genérico", "UTP5E-100", "cable", "Cable UTP Cat5e exterior 100 m", 39000),
    ("Genérico", "RG59-ALIM-100", "cable", "Cable coaxial RG59 + alimentación 100 m", 36500),
    ("Genérico", "RG59-ALIM-305", "cable", "Cable coaxial RG59 + alimentación 305 m", 97000),
    ("Genérico", "FTE-12V1A", "power", "Fuente 12V 1A para cámara, con plug", 4200),
    ("Genérico", "FTE-12V2A", "power", "Fuente 12V 2A para cámara, con plug", 5900),
    ("Genérico", "FTE-12V5A", "power", "Fuente switching 12V 5A", 13800),
    ("Genérico", "FTE-12V10A", "power", "Fuente switching 12V 10A", 21500),
    ("Genérico", "FTE-12V30A", "power", "Fuente switching 12V 30A", 46900),
    ("Genérico", "CAJA-FTE-9CH", "power", "Caja fuente 12V 10A 9 salidas con fusibles", 38900),
    ("Genérico", "UPS-800VA", "power", "UPS 800 VA para DVR/NVR", 89000),
    ("Hikvision", "DS-1H18S/E", "accessory", "Par de balun pasivo HD para UTP", 5200),
    ("Dahua", "PFM800-4K", "accessory", "Par de balun pasivo 4K HDCVI", 5600),
    ("Hikvision", "DS-1280ZJ-XS", "accessory", "Caja de conexiones para cámaras bullet", 9800),
    ("Hikvision", "DS-1272ZJ-110", "accessory", "Soporte de pared para domos", 12400),
    ("Dahua", "PFA130-E", "accessory", "Caja de conexiones estanca para bullet", 10900),
    ("Genérico", "BNC-CRIMP-10", "accessory", "Conector BNC a crimpar, pack x10", 3900),
    ("Genérico", "PLUG-DC-10", "accessory", "Plug DC macho con bornera, pack x10", 3500),
    ("Genérico", "MIC-CCTV", "accessory", "Micrófono ambiental para CCTV 12V", 11200),
    ("Hikvision", "DS-2FA1202-C8", "accessory", "Micrófono omnidireccional para CCTV", 23800),
)

KIT_CAMERAS: Final = (4, 8)
COLOURS: Final = {2: ("B", "color negro"), 3: ("G", "color gris")}
"""What makes the second and third round of variants another product (``-B``, ``-G``)."""


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@attrs.define
class _Maker:
    rng: random.Random
    usd_ars: Decimal

    def price(self, usd: int, currency: str) -> tuple[str, str]:
        jitter = Decimal(self.rng.randint(-6, 6)) / 100
        amount = Decimal(usd) * (1 + jitter)
        if currency == "ARS":
            ars = (amount * self.usd_ars / 100).to_integral_value(ROUND_HALF_UP) * 100
            return _money(ars - 1 if self.rng.random() < 0.5 else ars), "ARS"
        return _money(amount), "USD"

    def stock(self, out_of_stock: float) -> tuple[str, str]:
        if self.rng.random() < out_of_stock:
            return "0", "0"
        caba = self.rng.choice((0, 1, 2, 3, 5, 8, 10, 12, 15, 20, 25, 40))
        cba = self.rng.choice((0, 0, 1, 2, 3, 4, 6, 8, 10, 15))
        if caba == cba == 0:
            caba = 3
        return str(caba), str(cba)


def _blank_row() -> Row:
    return dict.fromkeys(HEADER, "")


def _variants(maker: _Maker) -> Iterator[Row]:
    """Every real variant once, in a fixed order (the rows' prices and stock come later)."""
    for c in CAMERAS:
        for lens in c.lenses:
            row = _blank_row()
            kind = "IP" if c.ip else ("HDCVI" if c.brand == "Dahua" else "Turbo HD")
            where = {"indoor": "interior", "outdoor": "exterior", "both": "interior/exterior"}
            extras = [f"IR {c.ir} m"] + (["PoE"] if c.poe else []) + (["Wi-Fi"] if c.wifi else [])
            extras += ["audio"] if c.audio else []
            suffix = "" if len(c.lenses) == 1 else f"-{lens}"
            row.update(
                sku=f"{c.brand[:3].upper()}-{c.model.replace(' ', '-')}{suffix}",
                marca=c.brand,
                modelo=c.model,
                categoria="camera",
                descripcion=(
                    f"Cámara {kind} {_FORM_ES[c.form]} {c.mp} MP {where[c.placement]}, lente "
                    f"{lens} mm, {', '.join(extras)}"
                ),
                resolucion=c.mp,
                formato=c.form,
                ubicacion=c.placement,
                ir=str(c.ir),
                lente=lens,
                poe="si" if c.poe else "no",
                wifi="si" if c.wifi else "no",
                audio="si" if c.audio else "no",
                iva="10.5",
                _usd=str(c.usd),
                moneda=c.currency,
            )
            yield row
    for brand, model, category, channels, description, usd, poe in RECORDERS:
        row = _blank_row()
        row.update(
            sku=f"{brand[:3].upper()}-{model.replace('/', '-')}",
            marca=brand,
            modelo=model,
            categoria=category,
            descripcion=description,
            canales=str(channels),
            poe="si" if poe else "no",
            iva="10.5",
            _usd=str(usd),
            moneda="USD",
        )
        yield row
    for brand, model, tb, usd in DISKS:
        row = _blank_row()
        line = "Purple" if brand == "Western Digital" else "SkyHawk"
        row.update(
            sku=f"{brand[:2].upper()}-{model}",
            marca=brand,
            modelo=model,
            categoria="disk",
            descripcion=f'Disco rígido {brand} {line} {tb} TB para videovigilancia, SATA 3.5"',
            almacenamiento=tb,
            iva="10.5",
            _usd=str(usd),
            moneda="USD",
        )
        yield row
    yield from _kits()
    for brand, model, ports, description, usd in SWITCHES:
        row = _blank_row()
        row.update(
            sku=f"{brand[:3].upper()}-{model.replace('/', '-')}",
            marca=brand,
            modelo=model,
            categoria="switch",
            descripcion=description,
            canales=str(ports),
            poe="si",
            iva="10.5",
            _usd=str(usd),
            moneda="USD" if brand != "TP-Link" else "ARS",
        )
        yield row
    for brand, model, category, description, ars in SUPPLIES:
        row = _blank_row()
        in_usd = (Decimal(ars) / maker.usd_ars).quantize(Decimal(1))
        row.update(
            sku=f"{brand[:3].upper()}-{model}",
            marca=brand,
            modelo=model,
            categoria=category,
            descripcion=description,
            iva="21",
            _usd=str(max(in_usd, Decimal(1))),
            moneda="ARS",
        )
        yield row


def _kits() -> Iterator[Row]:
    for brand, dvr, cam, mp in (
        ("Hikvision", "DS-7104HGHI-M1", "DS-2CE56D0T-IRPF", "2"),
        ("Hikvision", "DS-7108HGHI-M1", "DS-2CE16D0T-IRPF", "2"),
        ("Hikvision", "iDS-7204HQHI-M1/S", "DS-2CE16H0T-ITPF", "5"),
        ("Dahua", "XVR1B04-I", "HAC-HFW1200TL", "2"),
        ("Dahua", "XVR5108HS-I3", "HAC-HFW1500TL", "5"),
    ):
        for cameras in KIT_CAMERAS:
            channels = 4 if "04" in dvr else 8
            if cameras > channels:
                continue
            for disk in ("", "1"):
                row = _blank_row()
                res = "1080p" if mp == "2" else "5 MP"
                with_disk = f" + disco {disk} TB" if disk else ""
                tb = "-1TB" if disk else ""
                row.update(
                    sku=f"KIT-{brand[:3].upper()}-{cameras}C{mp}MP-{channels}CH{tb}",
                    marca=brand,
                    modelo=f"{dvr} + {cameras}x {cam}",
                    categoria="kit",
                    descripcion=(
                        f"Kit {cameras} cámaras {res} + DVR {channels} canales{with_disk}, "
                        "fuente y balunes incluidos"
                    ),
                    resolucion=mp,
                    canales=str(channels),
                    almacenamiento=disk,
                    iva="10.5",
                    _usd=str(
                        (45 if channels == 4 else 62)
                        + cameras * (19 if mp == "2" else 29)
                        + (55 if disk else 0)
                    ),
                    moneda="USD",
                )
                yield row


def generate(
    n: int,
    *,
    seed: int = 7,
    today: date = SAMPLE_TODAY,
    expired: int = 0,
    out_of_stock: float = 0.12,
    usd_ars: Decimal = Decimal("1000.00"),
) -> list[Row]:
    """``n`` catalogue rows (see the module docstring); the first ``expired`` rows picked get a
    price that ended a month before ``today``, the others one valid since the 1st of the year
    before ``today``'s, open-ended."""
    rng = random.Random(seed)
    maker = _Maker(rng, usd_ars)
    base = list(_variants(maker))
    rows: list[Row] = []
    series = 1
    while len(rows) < n:
        picked = base if n - len(rows) >= len(base) else rng.sample(base, n - len(rows))
        order = {id(r): i for i, r in enumerate(base)}
        for template in sorted(picked, key=lambda r: order[id(r)]):
            row = dict(template)
            if series > 1:
                code, colour = COLOURS.get(series, (f"S{series}", f"serie {series}"))
                row["sku"] = f"{row['sku']}-{code}"
                row["descripcion"] = f"{row['descripcion']}, {colour}"
            usd = int(row.pop("_usd"))
            row["precio"], row["moneda"] = maker.price(usd, row["moneda"])
            row["stock CABA"], row["stock Córdoba"] = maker.stock(out_of_stock)
            row["vigencia_desde"] = date(today.year - 1, 1, 1).isoformat()
            rows.append(row)
        series += 1
    for row in rng.sample(rows, min(expired, len(rows))):
        row["vigencia_desde"] = (today - timedelta(days=240)).isoformat()
        row["vigencia_hasta"] = (today - timedelta(days=30)).isoformat()
    return rows


def malformed_row() -> Row:
    """A row an import must refuse: no brand, an unknown category, a price that is no number,
    a negative stock."""
    row = _blank_row()
    row.update(
        sku="HIK-DS-2CE16D0T-ERR",
        modelo="DS-2CE16D0T-??",
        categoria="camara espia",
        descripcion="Fila con errores de carga",
        precio="consultar",
        moneda="USD",
        **{"stock CABA": "-3"},
    )
    return row


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_sample(path: Path = SAMPLE_PATH, n: int = 300) -> Path:
    """The shipped sample: ``n`` rows, two expired prices, and a malformed row (line 42)."""
    rows = generate(n - 1, expired=2)
    rows.insert(40, malformed_row())
    path.write_text(to_csv(rows), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_PATH
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    print(write_sample(target, count))
