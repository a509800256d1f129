"""``RulesInterpreter``: deterministic intent and entities for Rioplatense Spanish, offline.

The default interpreter when no model is configured, and the fallback when the model falls
over. It folds the message (accents, case, "holaaa", "kiero"), scores every intent by the
patterns it matches (voseo included: "tenés", "querés", "pasame", "mandame", "cancelá") and
keeps the strongest; ties go to the intent earlier in :data:`PRIORITY` (an opt-out or a request
for a person beats everything else). Entities are read by their own patterns: brands and their
misspellings, product types and their synonyms ("camarita", "domo", "disco rígido"), model
codes, quantities in digits or words ("dos", "una docena"), installments ("en 6 cuotas",
"12 pagos") and resolution ("4mp", "1080p").

Confidence comes from the match: a clear phrase is 0.9, a lone word 0.6-0.75; nothing at all,
an emoji-only message, another language or an attempt to instruct the bot is ``other`` below
:data:`~perla_core.language.model.CLARIFY_BELOW`, so the bot asks what the customer means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from perla_core.language.model import (
    ConversationContext,
    Entities,
    Feature,
    Intent,
    Interpretation,
    ProductType,
)
from perla_core.language.normalise import fold_message, is_emoji_only, language_hint

AWAITING_CONFIRMATION: Final = "awaiting_confirmation"
"""The flow step in which a bare "sí"/"dale"/"👍" confirms and a bare "no" cancels."""

PRIORITY: Final = (
    Intent.OPT_OUT,
    Intent.TALK_TO_PERSON,
    Intent.COMPLAINT,
    Intent.REMOVE_FROM_CART,
    Intent.VIEW_CART,
    Intent.CANCEL,
    Intent.FINANCING,
    Intent.ADD_TO_CART,
    Intent.PRICE_STOCK_QUESTION,
    Intent.CONFIRM,
    Intent.PRODUCT_QUESTION,
    Intent.THANKS,
    Intent.OTHER,
    Intent.GREETING,
)

BRANDS: Final = {
    "Hikvision": ("hikvision", "hikvison", "hikvisio", "hik vision", "hickvision", "hik"),
    "HiLook": ("hilook", "hi look"),
    "Dahua": ("dahua", "dahwa", "dahuaa"),
    "Ezviz": ("ezviz", "ezvis", "ez viz"),
    "Imou": ("imou",),
    "TP-Link": ("tp-link", "tplink", "tp link", "tapo"),
    "Uniview": ("uniview", "unv"),
    "Ubiquiti": ("ubiquiti", "unifi", "ubiquity"),
    "Reolink": ("reolink",),
    "Western Digital": ("western digital", "wd purple", "wd"),
    "Seagate": ("seagate", "skyhawk"),
    "Ajax": ("ajax",),
}

PRODUCT_WORDS: Final = {
    ProductType.KIT: ("kit", "kits", "combo", "combos"),
    ProductType.NVR: ("nvr", "nvrs"),
    ProductType.DVR: ("dvr", "dvrs", "xvr", "xvrs", "grabador", "grabadora", "grabadores"),
    ProductType.DISK: (
        "disco rigido",
        "disco duro",
        "discos rigidos",
        "discos",
        "disco",
        "hdd",
        "hdds",
    ),
    ProductType.ALARM: ("alarma", "alarmas", "sensor", "sensores"),
    ProductType.CAMERA: (
        "camaras",
        "camara",
        "camaritas",
        "camarita",
        "domo",
        "domos",
        "bullet",
        "bullets",
        "turret",
        "turrets",
        "ptz",
        "minidomo",
        "cam",
        "cams",
    ),
    ProductType.ACCESSORY: (
        "fuente",
        "fuentes",
        "balun",
        "baluns",
        "cable",
        "cables",
        "conector",
        "conectores",
        "ficha",
        "fichas",
        "soporte",
        "soportes",
        "caja estanca",
        "switch",
    ),
}

NUMBER_WORDS: Final = {
    "un par de": 2,
    "media docena": 6,
    "una docena": 12,
    "dos docenas": 24,
    "docena": 12,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "quince": 15,
    "veinte": 20,
    "treinta": 30,
    "cincuenta": 50,
    "cien": 100,
}

FEATURE_WORDS: Final = {
    Feature.WIFI: ("wifi", "wi-fi", "inalambrica", "inalambricas", "inalambrico"),
    Feature.AUDIO: ("audio", "microfono", "con sonido"),
    Feature.COLOR_NIGHT_VISION: (
        "colorvu",
        "full color",
        "color de noche",
        "vision nocturna a color",
    ),
    Feature.OUTDOOR: ("exterior", "afuera", "intemperie", "outdoor"),
    Feature.POE: ("poe",),
}


def _words(options: Iterable[str]) -> str:
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


_NUMBER: Final = rf"(?:\d{{1,5}}|{_words(NUMBER_WORDS)})"
_PRODUCT_NOUN: Final = _words(w for words in PRODUCT_WORDS.values() for w in words)
_BRAND_NAMES: Final = _words(name for names in BRANDS.values() for name in names)
_PERSON: Final = (
    r"(?:vendedor|vendedora|humano|humana|asesor|asesora|persona|operador|operadora|"
    r"ejecutivo|ejecutiva|agente|alguien|encargado|encargada)"
)
_YES: Final = r"(?:si|sii|dale|ok|okey|oka|okis|de una|joya|va|listo|perfecto|genial|de acuerdo)"
_THANKS: Final = (
    r"(?:(?:muchas|muchisimas|mil)\s+gracias+|gracias+|grax|de\s+nada|muy\s+amable|re\s+amable"
    r"|te\s+pasaste)"
)
# Words that may close a conversation around a "gracias" ("genial, gracias", "joya, mil gracias").
_CLOSING: Final = (
    r"(?:genial|joya|barbaro|buenisimo|excelente|perfecto|listo|dale|ok|okey|bueno|buenas"
    r"|genio|genia|crack|idolo|saludos|chau|nos\s+vemos|un\s+abrazo|abrazo|igualmente"
    r"|por\s+todo|por\s+la\s+info\w*|por\s+(?:la|tu|su)\s+ayuda|por\s+(?:la|tu)\s+respuesta"
    r"|che|nomas|totales|de\s+10|10\s+puntos|diez\s+puntos)"
)
_SEPARATOR: Final = r"[ ,.!]*"
# A bare quantity about the product just discussed: "¿tenés 10?", "quiero 5", "anotame dos".
_BARE_WANT: Final = (
    r"quiero|queria|necesito|dame|danos|mandame|mandanos|anotame|anota|agregame|pasame|llevo"
    r"|me\s+llevo|serian|van"
)
_SET_QUANTITY_PATTERN: Final = (
    r"\b(?:cambia|cambiame|cambialo|cambiala|cambialas|cambialos|pone|poneme|ponele|mejor"
    r"|que\s+sean|dejalo\s+en|dejala\s+en|dejame)\s+(?:a\s+|en\s+|solo\s+)?"
    r"(?P<n>\d{1,5}|un\s+par\s+de|una\s+docena|media\s+docena|dos|tres|cuatro|cinco|seis|siete"
    r"|ocho|nueve|diez|doce|quince|veinte)\b(?!\s*(?:mp|megas?|cuotas|pagos|%|mm|tb|metros|m\b))"
)
_BARE_HAVE: Final = r"tenes|tienen|tiene|hay|quedan|llegas\s+a|llegan\s+a"
_BARE_END: Final = r"(?:\s+(?:mas|unidades|u))?(?:\s+(?:por\s+favor|porfa|gracias))?[ ?!.,]*$"

# (intent, pattern over the folded message, strength)
PATTERNS: Final[tuple[tuple[Intent, str, float], ...]] = (
    (
        Intent.OPT_OUT,
        r"\b(?:dar|darme|dame|denme|den|doy|quiero|pido|solicito|la)\s+(?:de\s+)?(?:la\s+)?baja\b",
        0.95,
    ),
    (Intent.OPT_OUT, r"^baja$", 0.9),
    (
        Intent.OPT_OUT,
        r"\bno\s+me\s+(?:escriban|escribas|manden|mandes|envien|contacten|jodan)\b",
        0.95,
    ),
    (Intent.OPT_OUT, r"\b(?:stop|unsubscribe|desuscrib\w*|desuscribir\w*)\b", 0.95),
    (Intent.OPT_OUT, r"\bdej(?:en|a|a?me)\s+de\s+(?:escribir|mandar|molestar)", 0.95),
    (Intent.OPT_OUT, r"\bno\s+quiero\s+(?:recibir|que\s+me\s+escriban)", 0.95),
    (
        Intent.TALK_TO_PERSON,
        rf"\b(?:pasa|pasame|pasen|pasenme|paseme|comunica|comunicame|comunicarme|comunicar|deriva|derivame|hablar|habla|atender|atienda|contactar|contactame|llamame|llamen)\b.{{0,25}}\b{_PERSON}\b",
        0.95,
    ),
    (
        Intent.TALK_TO_PERSON,
        rf"\b(?:un|una|algun|alguna|con\s+el|con\s+la|con\s+un|con\s+una)\s+{_PERSON}\b",
        0.75,
    ),
    (
        Intent.TALK_TO_PERSON,
        r"\b(?:sos|es|eres)\s+(?:un\s+)?(?:bot|robot|maquina|contestador)\b",
        0.75,
    ),
    (Intent.COMPLAINT, r"\breclam\w*", 0.9),
    (
        Intent.COMPLAINT,
        r"\bnunca\s+(?:me\s+)?(?:llego|llegaron|anduvo|funciono|contestaron)\b",
        0.9,
    ),
    (
        Intent.COMPLAINT,
        r"\bno\s+(?:me\s+)?(?:anda|andan|funciona|funcionan|prende|prenden|graba|graban|conecta|conectan|enciende|llego|llegaron|ve|se\s+ve)\b",
        0.9,
    ),
    (
        Intent.COMPLAINT,
        r"\b(?:devolver|queja|estafa|fallad[oa]s?|defectuos[oa]s?|roto|rota|pesimo|pesima)\b",
        0.85,
    ),
    (
        Intent.COMPLAINT,
        r"\b(?:usar|hacer\s+valer|aplicar|reclamar|ejecutar|mandar\w*\s+(?:a|por)|por)\s+"
        r"(?:la\s+)?garantia\b",
        0.9,
    ),
    (Intent.COMPLAINT, r"\b(?:garantia|devolucion)\b", 0.8),
    (
        # a question about the shop's warranty or returns policy, not a claim: the FAQ answers
        Intent.PRODUCT_QUESTION,
        r"\b(?:que|cuanta|cuanto|como|cual|tiene|tienen|trae|traen|cubre|incluye|incluyen|dura"
        r"|politica|politicas|condiciones)\b.{0,25}\b(?:garantia|devoluciones|devolucion|cambios)\b"
        r"|\b(?:garantia|devolucion\w*)\b.{0,25}\b(?:tiene|tienen|cubre|dura|incluye)\b",
        0.86,
    ),
    (
        Intent.COMPLAINT,
        r"\b(?:se\s+(?:rompio|quemo|colgo|corto|desconecto)|dejo\s+de\s+(?:andar|funcionar|grabar))\b",
        0.9,
    ),
    (Intent.COMPLAINT, r"\b(?:soporte|servicio)\s+tecnico\b|\bproblema\b|\bfalla\b", 0.75),
    (
        Intent.VIEW_CART,
        r"\b(?:ver|mostrame|mostrar|muestrame|pasame|mandame)\s+(?:el\s+|mi\s+)?(?:carrito|pedido|resumen)\b"
        r"|\bque\s+(?:tengo|hay|llevo)\s+(?:en\s+(?:el|mi)\s+)?(?:carrito|pedido)\b"
        r"|^(?:el\s+|mi\s+)?carrito[ ?!.]*$"
        r"|\bcomo\s+(?:va|queda|quedo)\s+(?:el|mi)\s+(?:carrito|pedido)\b",
        0.92,
    ),
    (
        Intent.REMOVE_FROM_CART,
        r"\b(?:saca|sacame|sacale|sacalo|sacala|quita|quitame|quitale|quitalo|quitala|elimina|eliminame"
        r"|borra|borrame|borrale)\b(?!\w*\s+(?:todo|el\s+carrito))",
        0.92,
    ),
    (Intent.CANCEL, r"\bcancel\w*", 0.9),
    (
        Intent.CANCEL,
        r"\b(?:anula|anulalo|anular|me\s+arrepenti|olvidate|olvidalo|dejalo|deja\s+sin\s+efecto|mejor\s+no|ya\s+no\s+lo\s+quiero|saca\w*\s+(?:todo|del\s+carrito)|borra\w*\s+(?:todo|el\s+carrito))\b",
        0.9,
    ),
    (Intent.CANCEL, r"\bno\s+(?:lo|la|los|las)?\s*quiero\b", 0.8),
    (Intent.CANCEL, r"^no(?:\s+gracias)?[ .,!]*$", 0.6),
    (Intent.CONFIRM, r"\bconfirm\w*", 0.9),
    (Intent.CONFIRM, rf"^{_YES}(?:[ ,.!]+{_YES})*(?:[ ,.!]+(?:gracias|por\s+favor))?[ .,!]*$", 0.7),
    (
        Intent.CONFIRM,
        r"^si[ ,.!]+(?:esta\s+bien|quiero|correcto|todo\s+bien|avanza|avancemos|adelante"
        r"|mandalo|hacelo)\b",
        0.9,
    ),
    (
        Intent.CONFIRM,
        r"\b(?:esta\s+(?:perfecto|bien\s+asi)|avanza|avancemos|adelante\s+con|hacelo|mandalo|cerramos|cerremos|es\s+correcto)\b",
        0.85,
    ),
    (Intent.FINANCING, r"\bcuotas?\b|\bfinanc\w*|\bsin\s+interes|\bplan(?:es)?\s+de\s+pago", 0.9),
    (
        Intent.FINANCING,
        r"\b\d{1,2}\s+pagos\b|\bpagar\s+en\s+\w+\b|\b(?:tasa|interes|intereses|cft|tna|tea)\b",
        0.85,
    ),
    (Intent.FINANCING, r"\b(?:tarjeta|credito|mercado\s+pago)\b", 0.7),
    (
        Intent.ADD_TO_CART,
        r"\b(?:lo|la|los|las)\s+quiero\b|\bme\s+(?:lo|la|los|las)\s+llevo\b|\bquiero\s+(?:comprar|llevar|pedir|encargar)\b",
        0.9,
    ),
    (
        Intent.ADD_TO_CART,
        r"\b(?:agrega|agregame|agregale|agregar|agrego|suma|sumame|sumale|sumar|anotame|anota|encargo|encargar)\b|\bal\s+carrito\b",
        0.9,
    ),
    (Intent.ADD_TO_CART, r"\b(?:comprar|compro|comprarte|comprarles|compra|llevo)\b", 0.8),
    (
        Intent.ADD_TO_CART,
        rf"\b(?:quiero|queria|necesito|mandame|mandenme|enviame|pasame)\s+{_NUMBER}\s+(?:de\s+)?(?:(?:esas|esos|estas|estos|las|los)\s+)?(?:{_PRODUCT_NOUN}|unidades|de\s+esas|de\s+esos)\b",
        0.85,
    ),
    (Intent.ADD_TO_CART, rf"^(?:{_BARE_WANT})\s+{_NUMBER}{_BARE_END}", 0.85),
    (Intent.ADD_TO_CART, _SET_QUANTITY_PATTERN, 0.93),
    (
        Intent.ADD_TO_CART,
        rf"\b(?:{_BARE_WANT})\s+{_NUMBER}\s+(?:(?:de\s+)?(?:la|el|las|los)\s+)?[a-z]{{2,5}}-[a-z0-9]*\d",
        0.9,
    ),
    (Intent.PRICE_STOCK_QUESTION, rf"^(?:y\s+)?(?:{_BARE_HAVE})\s+{_NUMBER}{_BARE_END}", 0.85),
    (
        Intent.PRICE_STOCK_QUESTION,
        r"\bcuanto\s+(?:sale|salen|cuesta|cuestan|vale|valen|esta|estan|me\s+sale|me\s+cobras|seria|serian)\b",
        0.9,
    ),
    (
        Intent.PRICE_STOCK_QUESTION,
        r"\b(?:precio|precios|valor|costo|stock|cotiza\w*|cotizacion|presupuesto|disponible|disponibles|disponibilidad|lista\s+de\s+precios)\b",
        0.85,
    ),
    (
        Intent.PRICE_STOCK_QUESTION,
        rf"\b(?:tenes|tienen|tiene|hay|quedan|queda|manejan|trabajan|venden|vendes)\b.{{0,30}}\b(?:{_PRODUCT_NOUN}|{_BRAND_NAMES})\b",
        0.8,
    ),
    (
        Intent.PRODUCT_QUESTION,
        r"\b(?:recomend\w*|diferencia|caracteristicas|ficha\s+tecnica|especificaciones|compatible|compatibles|sirve|sirven|alcance|resolucion|graba\s+audio|vision\s+nocturna|como\s+(?:se\s+)?(?:instala|configura|conecta)|que\s+(?:modelo|modelos|marca|marcas|camara|camaras|kit|kits|dvr|nvr))\b",
        0.8,
    ),
    (
        Intent.PRODUCT_QUESTION,
        r"\b(?:busco|buscando|necesito|me\s+interesa|info|informacion|consulta|consulto)\b",
        0.65,
    ),
    (
        Intent.PRODUCT_QUESTION,
        r"\b(?:envio|envios|envian|envias|hacen\s+envios|despach\w*|retirar|retiro|andreani"
        r"|factura[ns]?|facturan|medios?\s+de\s+pago|formas?\s+de\s+pago|transferencia)\b",
        0.7,
    ),
    (
        Intent.GREETING,
        r"^(?:hola|holis|buenas|buen\s+dia|buenos\s+dias|buenas\s+tardes|buenas\s+noches|que\s+tal|como\s+va|como\s+andas|hi|hello|hey)\b",
        0.9,
    ),
    (
        Intent.THANKS,
        rf"^(?:{_CLOSING}{_SEPARATOR})*{_THANKS}(?:{_SEPARATOR}(?:{_CLOSING}|{_THANKS}))*"
        rf"{_SEPARATOR}$",
        0.9,
    ),
    (
        Intent.THANKS,
        r"^(?:joya|genial|barbaro|buenisimo|excelente|de\s+10|10\s+puntos|diez\s+puntos)"
        r"(?:[ ,.!]+(?:joya|genial|barbaro|buenisimo|excelente|listo|perfecto|che|nomas))*"
        r"[ .,!]*$",
        0.8,
    ),
    (Intent.THANKS, rf"^{_THANKS}\s+por\b", 0.75),
    (Intent.OTHER, r"^(?:chau|saludos|nos\s+vemos)[ .,!]*$", 0.8),
)
_COMPILED: Final = tuple(
    (intent, re.compile(pattern), strength) for intent, pattern, strength in PATTERNS
)

INJECTION: Final = re.compile(
    r"\b(?:ignor\w*|olvid\w*|omit\w*|disregard)\s+(?:(?:todas?|all|your|tus|las|los|previous|anteriores|the)\s+)*(?:instruc\w*|reglas|rules|prompt|indicaciones)"
    r"|\bsystem\s+prompt\b|\bprompt\s+del\s+sistema\b|\b(?:actua|actuá|act|pretend)\s+(?:como|as)\b|\bjailbreak\b|\bmodo\s+desarrollador\b|\bdeveloper\s+mode\b"
)

_BRAND_PATTERNS: Final = tuple(
    (brand, re.compile(rf"(?<![\w-])(?:{_words(names)})(?![\w-])"))
    for brand, names in BRANDS.items()
)
_PRODUCT_PATTERNS: Final = tuple(
    (kind, re.compile(rf"\b(?:{_words(words)})\b")) for kind, words in PRODUCT_WORDS.items()
)
_FEATURE_PATTERNS: Final = tuple(
    (feature, re.compile(rf"\b(?:{_words(words)})\b")) for feature, words in FEATURE_WORDS.items()
)
_QUANTITY: Final = re.compile(
    rf"(?:^|[^\w%.,])(?P<n>{_NUMBER})\s+(?:de\s+)?(?:(?:esas|esos|estas|estos|las|los)\s+)?(?:{_PRODUCT_NOUN}|unidades|unidad|u)\b"
    r"|\bx\s?(?P<x>\d{1,5})\b|\b(?P<times>\d{1,5})\s?x\b"
)
_SET_QUANTITY: Final = re.compile(_SET_QUANTITY_PATTERN)
# "agregame 2 DS-2CE16D0T-IRPF", "3 de la HAC-B1A21": a quantity right before a model code
_BEFORE_MODEL: Final = re.compile(
    rf"(?:^|[^\w%.,-])(?P<n>{_NUMBER})\s+(?:(?:de\s+)?(?:la|el|las|los)\s+)?"
    r"(?=[a-z]{2,5}-[a-z0-9]*\d)"
)
_FOLLOW_UP: Final = re.compile(
    r"^y\s+(?:la|el|las|los|en|de|con|otra|otro|algo|alguna|alguno)\b"
    r"|^(?:la|el|alguna|alguno|otra|otro)\s+(?:mas|menos)\s+\w+"
    r"|^(?:y\s+)?(?:otra|otro|otras|otros)\s+(?:opcion|opciones|modelo|modelos|marca|marcas)\b"
)
_BARE_QUANTITY: Final = re.compile(
    rf"^(?:y\s+)?(?:{_BARE_WANT}|{_BARE_HAVE})\s+(?P<n>{_NUMBER}){_BARE_END}"
)
_INSTALLMENTS: Final = re.compile(
    rf"\b(?P<n>{_NUMBER})\s+(?:cuotas|pagos)\b|\bcuotas?\s*:?\s*(?P<after>\d{{1,2}})\b"
)
_MEGAPIXELS: Final = re.compile(r"\b(?P<n>\d{1,2})\s?(?:mp|mpx|megapixel\w*|megas?)\b")
_NAMED_RESOLUTION: Final = (
    (re.compile(r"\b(?:1080p?|full\s?hd|fhd)\b"), 2),
    (re.compile(r"\b(?:720p?|hd)\b"), 1),
    (re.compile(r"\b(?:4k|uhd|8mp)\b"), 8),
    (re.compile(r"\b(?:2k|1440p)\b"), 4),
)
# A manufacturer's code: letters, a dash, then letters and digits (DS-2CD1043G0-I, IPC-HFW1230S).
_MODEL_CODE: Final = re.compile(
    r"(?<![\w-])([A-Za-z]{1,5}-[A-Za-z0-9]{2,}(?:-[A-Za-z0-9]{1,})*)(?![\w-])"
)
_NOT_MODELS: Final = frozenset({"TP-LINK", "WI-FI", "E-MAIL", "FULL-HD"})


def read_number(word: str) -> int | None:
    """``"12"`` -> 12, ``"dos"`` -> 2, ``"una docena"`` -> 12; None for anything else."""
    word = word.strip()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def extract_entities(text: str) -> Entities:
    """The brand, product type, model code, quantity, installments, resolution and features a
    message names; values out of range (a quantity of 0, 300 installments) are left out."""
    folded = fold_message(text)
    brand = next((b for b, pattern in _BRAND_PATTERNS if pattern.search(folded)), None)
    product = _first_product(folded)
    model = _model_code(text)
    if brand is None and model is not None:
        brand = _brand_of_model(model)
    return Entities(
        brand=brand,
        product_type=product,
        model=model,
        quantity=_bounded(_quantity(folded), 1, 10_000),
        installments=_bounded(_installments(folded), 1, 60),
        resolution_mp=_bounded(_resolution(folded), 1, 64),
        features=frozenset(f for f, pattern in _FEATURE_PATTERNS if pattern.search(folded)),
    )


def _first_product(folded: str) -> ProductType | None:
    found = [(m.start(), kind) for kind, p in _PRODUCT_PATTERNS if (m := p.search(folded))]
    kinds = {kind for _, kind in found}
    if ProductType.KIT in kinds:
        return ProductType.KIT
    return min(found)[1] if found else None


def _model_code(text: str) -> str | None:
    for match in _MODEL_CODE.finditer(text):
        code = match.group(1).upper()
        if code not in _NOT_MODELS and any(c.isdigit() for c in code):
            return code
    return None


def _brand_of_model(model: str) -> str | None:
    if model.startswith(("DS-", "IDS-")):
        return "Hikvision"
    if model.startswith(("DH-", "IPC-", "HAC-", "XVR", "NVR")):
        return "Dahua"
    if model.startswith("CS-"):
        return "Ezviz"
    return None


def _quantity(folded: str) -> int | None:
    bare = _BARE_QUANTITY.search(folded) or _SET_QUANTITY.search(folded)
    if bare is None:
        bare = _BEFORE_MODEL.search(folded)
    if bare is not None:
        return read_number(bare.group("n"))
    for match in _QUANTITY.finditer(folded):
        value = match.group("n") or match.group("x") or match.group("times")
        if value is not None:
            return read_number(value)
    return None


def _installments(folded: str) -> int | None:
    match = _INSTALLMENTS.search(folded)
    if match is None:
        return None
    return read_number(match.group("n") or match.group("after"))


def _resolution(folded: str) -> int | None:
    match = _MEGAPIXELS.search(folded)
    if match is not None:
        return int(match.group("n"))
    for pattern, megapixels in _NAMED_RESOLUTION:
        if pattern.search(folded):
            return megapixels
    return None


def _bounded(value: int | None, low: int, high: int) -> int | None:
    return value if value is not None and low <= value <= high else None


class RulesInterpreter:
    """Deterministic, offline :class:`~perla_core.language.ports.IntentInterpreter` (see the
    module docstring). The same text and context always give the same interpretation."""

    source = "rules"

    def interpret(self, text: str, *, context: ConversationContext | None = None) -> Interpretation:
        if not text.strip() or is_emoji_only(text):
            return self._emoji(text, context)
        folded = fold_message(text)
        if INJECTION.search(folded):
            # Whatever else it says, a message that tries to instruct the bot is not acted on.
            return Interpretation(Intent.OTHER, 0.2, Entities(), "rules")
        entities = extract_entities(text)
        scores = self._scores(folded)
        awaiting = context is not None and context.step == AWAITING_CONFIRMATION
        if awaiting:
            for intent in (Intent.CONFIRM, Intent.CANCEL):
                if intent in scores:
                    scores[intent] = max(scores[intent], 0.95)
        if len(scores) > 1:
            scores.pop(Intent.GREETING, None)
        if not scores:
            return self._unmatched(text, entities, context)
        intent = min(scores, key=lambda i: (-scores[i], PRIORITY.index(i)))
        confidence = scores[intent]
        rivals = [s for i, s in scores.items() if i is not intent and i is not Intent.OTHER]
        if rivals and max(rivals) >= confidence - 0.05 and not awaiting:
            confidence -= 0.1  # two intents equally plausible: a little less sure of either
        if intent in _SELLING and not entities.empty:
            confidence = min(0.99, confidence + 0.05)
        return Interpretation(intent, round(confidence, 2), entities, "rules")

    @staticmethod
    def _scores(folded: str) -> dict[Intent, float]:
        scores: dict[Intent, float] = {}
        for intent, pattern, strength in _COMPILED:
            if pattern.search(folded):
                scores[intent] = max(scores.get(intent, 0.0), strength)
        return scores

    @staticmethod
    def _emoji(text: str, context: ConversationContext | None) -> Interpretation:
        if (
            context is not None
            and context.step == AWAITING_CONFIRMATION
            and any(c in text for c in ("👍", "👌", "✅", "🙌"))
        ):
            return Interpretation(Intent.CONFIRM, 0.75, Entities(), "rules")
        return Interpretation(Intent.OTHER, 0.2, Entities(), "rules")

    @staticmethod
    def _unmatched(
        text: str, entities: Entities, context: ConversationContext | None
    ) -> Interpretation:
        if not entities.empty and language_hint(text) in ("es", "unknown"):
            # "cámara hikvision 4mp": a product named and nothing asked, most likely a question
            return Interpretation(Intent.PRODUCT_QUESTION, 0.6, entities, "rules")
        if context is not None and context.turns and _FOLLOW_UP.search(fold_message(text)):
            # "¿y la más barata?" right after a product answer: about the same products
            return Interpretation(Intent.PRODUCT_QUESTION, 0.6, entities, "rules")
        return Interpretation(Intent.OTHER, 0.3, entities, "rules")


_SELLING: Final = frozenset(
    {Intent.PRODUCT_QUESTION, Intent.PRICE_STOCK_QUESTION, Intent.ADD_TO_CART, Intent.FINANCING}
)

__all__ = [
    "AWAITING_CONFIRMATION",
    "BRANDS",
    "PATTERNS",
    "RulesInterpreter",
    "extract_entities",
    "read_number",
]
