"""A deterministic CCTV catalogue and a labelled set of Spanish customer questions.

Products follow real MICROCOM-like families (Hikvision, Dahua, Ezviz, Imou, Uniview, TP-Link,
WD, Seagate...) with real-looking model codes (``DS-2CD1043G0-I``, ``IPC-HFW1230S-S5``,
``iDS-7204HQHI-M1/S``) and the features customers ask about (form, megapixels, lens, infrared
metres, exterior, WiFi, audio, channels, terabytes). Questions are what customers write on
WhatsApp: exact codes, codes with other punctuation or cut short, misspelled brands and words,
feature descriptions, Rioplatense phrasing ("che, ¿tenés alguna camarita...?"). Each question
lists the SKUs that answer it; a question is answered at rank r when the first of them is r-th.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

import attrs

from perla_core.search.model import DocumentKind, SearchDocument


@attrs.frozen
class Product:
    sku: str
    brand: str
    category: str
    family: str  # camera | recorder | disk | switch | power | intercom
    form: str  # domo | bullet | cubo | ptz | "" (cameras)
    mp: int
    lens_mm: str
    ir_m: int
    exterior: bool
    wifi: bool
    audio: bool
    channels: int
    tb: int
    technology: str  # ip | turbo | ""
    price_ars: Decimal
    in_stock: bool

    @property
    def title(self) -> str:
        if self.family == "camera":
            kind = "Cámara IP" if self.technology == "ip" else "Cámara analógica"
            if self.wifi:
                kind = "Cámara WiFi"
            form = {"domo": "domo", "bullet": "bullet", "cubo": "cubo", "ptz": "PTZ"}[self.form]
            return f"{kind} {form} {self.brand} {self.sku} {self.mp}MP {self.lens_mm}mm"
        if self.family == "recorder":
            kind = "NVR" if self.technology == "ip" else "DVR"
            return f"Grabador {kind} {self.brand} {self.sku} {self.channels} canales"
        if self.family == "disk":
            line = "Purple" if self.brand == "Western Digital" else "SkyHawk"
            return f"Disco rígido {self.brand} {line} {self.sku} {self.tb}TB para videovigilancia"
        if self.family == "switch":
            return f"Switch PoE {self.brand} {self.sku} {self.channels} puertos"
        if self.family == "power":
            return f"Fuente de alimentación {self.brand} {self.sku} 12V {self.channels}A"
        return f"Videoportero {self.brand} {self.sku}"

    @property
    def description(self) -> str:
        parts: list[str] = []
        if self.family == "camera":
            parts.append(f"Resolución {self.mp} megapíxeles, lente {self.lens_mm} mm.")
            parts.append(f"Visión nocturna infrarroja hasta {self.ir_m} metros.")
            parts.append("Apta exterior IP67." if self.exterior else "Para interior.")
            if self.wifi:
                parts.append("Conexión inalámbrica WiFi, se ve desde el celular con la app.")
            if self.audio:
                parts.append("Micrófono incorporado con audio.")
            if self.technology == "ip" and not self.wifi:
                parts.append("Alimentación PoE.")
            if self.technology == "turbo":
                parts.append("Tecnología Turbo HD / HDCVI, cable coaxil o balun.")
        elif self.family == "recorder":
            parts.append(f"Graba {self.channels} cámaras, admite disco rígido de hasta 10TB.")
            if self.technology == "ip":
                parts.append("Para cámaras IP, puertos PoE.")
            else:
                parts.append("Pentahíbrido: cámaras analógicas e IP.")
        elif self.family == "disk":
            parts.append(f"Capacidad {self.tb} teras, uso 24/7 en DVR y NVR.")
        elif self.family == "switch":
            parts.append(f"{self.channels} puertos PoE para cámaras IP.")
        elif self.family == "power":
            parts.append("Fuente switching para cámaras, 12 volts.")
        else:
            parts.append("Portero con cámara y monitor, apertura de cerradura.")
        return " ".join(parts)

    def document(self) -> SearchDocument:
        return SearchDocument(
            id=f"product:{self.sku}",
            kind=DocumentKind.PRODUCT,
            title=self.title,
            text=self.description,
            brand=self.brand,
            category=self.category,
            in_stock=self.in_stock,
            price_ars=self.price_ars,
            sku=self.sku,
        )


def _hik_ip(r: random.Random) -> tuple[str, str, int]:
    series = r.choice("123")
    form_digit = r.choice("0123")  # 0/2 bullet, 1/3 domo... approximated below
    mp = r.choice([2, 4, 8])
    suffix = r.choice(["-I", "-IS", "-IU", "-IWS", "-LIU", "-ISU"])
    form = "bullet" if form_digit in "02" else "domo"
    return f"DS-2CD{series}{form_digit}{mp}{r.choice('1234')}G{r.choice('012')}{suffix}", form, mp


def _hik_turbo(r: random.Random) -> tuple[str, str, int]:
    body = r.choice(["16", "56", "76", "10", "12"])
    mp = r.choice([1, 2, 5])
    letter = {1: "C", 2: "D", 5: "H"}[mp]
    suffix = r.choice(["-IRPF", "-ITPF", "-EXIPF", "-IRF", "-ITF"])
    form = "bullet" if body in ("16", "10", "12") else "domo"
    return f"DS-2CE{body}{letter}{r.choice('03')}T{suffix}", form, mp


def _dahua_ip(r: random.Random) -> tuple[str, str, int]:
    form = r.choice(["bullet", "domo"])
    prefix = "IPC-HFW" if form == "bullet" else "IPC-HDW"
    mp = r.choice([2, 4, 8])
    code = f"{prefix}{r.choice('1235')}{mp}{r.choice('30')}{r.choice(['S', 'T', 'M'])}"
    return f"{code}{r.choice(['-S5', '-S4', '-A', '-I2', '-ZS'])}", form, mp


def _dahua_turbo(r: random.Random) -> tuple[str, str, int]:
    form = r.choice(["bullet", "domo"])
    prefix = "HAC-HFW" if form == "bullet" else "HAC-HDW"
    mp = r.choice([1, 2, 5])
    return (
        f"{prefix}{r.choice('12')}{mp}{r.choice('0')}0{r.choice(['RN', 'TL', 'M', 'CM'])}",
        form,
        mp,
    )


def _ezviz(r: random.Random) -> tuple[str, str, int]:
    model, form, mp = r.choice(
        [("C6N", "ptz", 2), ("H6C", "ptz", 4), ("C3TN", "bullet", 2), ("H8C", "ptz", 4),
         ("C1C", "cubo", 2), ("H3C", "bullet", 4), ("C8C", "ptz", 2), ("H1C", "cubo", 2)]
    )  # fmt: skip
    c = r.choice
    code = f"CS-{model}-{c(['A0', 'R100', 'B0'])}-{c('1234')}{c('EGW')}{c(['FR', 'WF', 'L'])}"
    return code, form, mp


def _imou(r: random.Random) -> tuple[str, str, int]:
    model, form, mp = r.choice(
        [("A22EP", "ptz", 2), ("A42P", "ptz", 4), ("F22", "bullet", 2), ("C22EP", "cubo", 2),
         ("GS7EP", "ptz", 5), ("F42FP", "bullet", 4), ("K2", "cubo", 2)]
    )  # fmt: skip
    return (
        f"IPC-{model}-{r.choice(['D', 'B', 'L', 'IMOU'])}{r.choice(['', '0280B', '0360B'])}",
        form,
        mp,
    )


def _uniview(r: random.Random) -> tuple[str, str, int]:
    form = r.choice(["bullet", "domo"])
    mp = r.choice([2, 4, 5, 8])
    c = r.choice
    code = f"IPC{'2' if form == 'bullet' else '3'}{c('16')}{mp}{c('24')}{c(['LB', 'SB', 'LE'])}"
    return (
        f"{code}-{r.choice(['SF28', 'SF40', 'ADF28'])}{r.choice(['KM', 'K'])}-{r.choice('GI')}",
        form,
        mp,
    )


CAMERA_MAKERS = [
    ("Hikvision", _hik_ip, "ip", 3),
    ("Hikvision", _hik_turbo, "turbo", 3),
    ("Dahua", _dahua_ip, "ip", 2),
    ("Dahua", _dahua_turbo, "turbo", 2),
    ("Ezviz", _ezviz, "ip", 1),
    ("Imou", _imou, "ip", 1),
    ("Uniview", _uniview, "ip", 1),
]


def _recorder(r: random.Random) -> tuple[str, str, int, str]:
    brand = r.choice(["Hikvision", "Hikvision", "Dahua", "Dahua", "Uniview"])
    ch = r.choice([4, 8, 16, 32])
    ip = r.random() < 0.5
    c = r.choice
    if brand == "Hikvision" and ip:
        code = f"DS-76{ch:02d}NI-{c(['Q1', 'K1', 'Q2', 'I2'])}{c(['', f'/{ch}P'])}"
    elif brand == "Hikvision":
        code = f"iDS-72{ch:02d}{c(['HQHI', 'HUHI', 'HGHI'])}-{c(['M1/S', 'K1/2S', 'M1/E', 'F1/N'])}"
    elif brand == "Dahua" and ip:
        code = f"NVR{c('2451')}{ch:02d}{c(['HS', '4KS2', 'HS-P'])}-{c(['4KS3', 'I', '8P', 'EI'])}"
    elif brand == "Dahua":
        series = c(["1B", "5", "7"])
        code = f"XVR{series}{ch:02d}{c(['HS', 'HE', 'AN'])}-{c(['I', 'I3', '4KL-I2', 'X'])}"
    else:
        code = f"NVR{c('35')}0{c('12')}-{ch:02d}{c(['LE', 'S3', 'E2'])}-{c(['P8', 'B', 'IQ'])}"
        ip = True
    return code, brand, ch, "ip" if ip else "turbo"


def _disk(r: random.Random) -> tuple[str, str, int]:
    tb = r.choice([1, 2, 4, 6, 8])
    if r.random() < 0.5:
        return f"WD{tb}{r.choice(['0', '1', '2'])}PUR{r.choice('XZUA')}", "Western Digital", tb
    return f"ST{tb}000VX0{r.choice(['15', '17', '09', '05'])}", "Seagate", tb


def products(count: int, *, seed: int = 4004) -> list[Product]:
    """``count`` distinct products (unique SKUs), the same for the same seed."""
    r = random.Random(seed)
    seen: set[str] = set()
    out: list[Product] = []
    weights = [m[3] for m in CAMERA_MAKERS]
    while len(out) < count:
        roll = r.random()
        mp = ch = tb = ir = 0
        form = lens = technology = ""
        exterior = wifi = audio = False
        if roll < 0.62:
            brand, maker, technology, _ = r.choices(CAMERA_MAKERS, weights)[0]
            sku, form, mp = maker(r)
            family, category = (
                "camera",
                "Cámaras IP" if technology == "ip" else "Cámaras analógicas",
            )
            wifi = brand in ("Ezviz", "Imou")
            if wifi:
                category = "Cámaras WiFi"
            lens = r.choice(["2.8", "3.6", "4", "6", "2.8-12"])
            ir = r.choice([20, 30, 40, 50, 80])
            exterior = form in ("bullet", "ptz") or r.random() < 0.4
            audio = wifi or r.random() < 0.3
        elif roll < 0.80:
            sku, brand, ch, technology = _recorder(r)
            family, category = (
                "recorder",
                "Grabadores NVR" if technology == "ip" else "Grabadores DVR",
            )
        elif roll < 0.88:
            sku, brand, tb = _disk(r)
            family, category = "disk", "Discos rígidos"
        elif roll < 0.94:
            brand = r.choice(["TP-Link", "Hikvision", "Dahua"])
            ch = r.choice([4, 5, 8, 16, 24])
            sku = {
                "TP-Link": f"TL-SF10{ch:02d}P",
                "Hikvision": f"DS-3E0{ch:02d}{r.choice(['05', '10'])}P-E",
                "Dahua": f"PFS30{ch:02d}-{ch}ET-{r.choice(['65', '96', '36'])}",
            }[brand]
            family, category = "switch", "Switches PoE"
        elif roll < 0.97:
            brand = r.choice(["Genérica", "Hikvision", "Dahua"])
            ch = r.choice([1, 2, 5, 10, 20])
            short = "PS" if brand == "Genérica" else brand[:2].upper()
            sku = f"{short}-12V{ch}A{r.choice(['', '-M', '-RACK'])}"
            family, category = "power", "Fuentes"
        else:
            brand = r.choice(["Hikvision", "Dahua", "Ezviz"])
            prefix = {"Hikvision": "DS-KIS", "Dahua": "VTK-", "Ezviz": "CS-EP"}[brand]
            sku = f"{prefix}{r.randint(100, 999)}{r.choice(['', '-WIFI', '-IMT'])}"
            family, category, wifi = "intercom", "Porteros", sku.endswith("WIFI")
        if sku in seen:
            sku = f"{sku}-{r.choice('ABCDEFGH')}{r.randint(1, 99)}"
            if sku in seen:
                continue
        seen.add(sku)
        price = Decimal(r.randint(15_000, 900_000)) + Decimal(r.choice([0, 50, 99])) / 100
        out.append(
            Product(
                sku=sku,
                brand=brand,
                category=category,
                family=family,
                form=form,
                mp=mp,
                lens_mm=lens,
                ir_m=ir,
                exterior=exterior,
                wifi=wifi,
                audio=audio,
                channels=ch,
                tb=tb,
                technology=technology,
                price_ars=price,
                in_stock=r.random() < 0.75,
            )
        )
    return out


def documents(count: int, *, seed: int = 4004) -> Iterator[SearchDocument]:
    for product in products(count, seed=seed):
        yield product.document()
