"""Pull numbers out of a clause: amounts with currency and period, months, days, percentages,
data volumes and speeds. Works on normalized text (half-width digits, simplified Chinese).

``candidates(text)`` lists every value with its span; ``pick(text, keys, anchor)`` keeps, for
each wanted key, the candidate nearest to the pattern's match, so a clause that states two
durations gives the one the matched term is about.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import regex

from .normalize import CN_MULTIPLIER, CN_NUM_CHARS, cn_to_int
from .rxcache import cached_compile

TIMEOUT = 0.5  # seconds per regex call; agreement text is untrusted

_WORD_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20, "twenty-four": 24, "thirty": 30,
    "thirty-six": 36, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
    "a": 1, "an": 1, "single": 1, "hundred": 100, "one hundred": 100,
    "one hundred eighty": 180, "one hundred and eighty": 180, "one hundred twenty": 120,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_WORD_NUM.update(_TENS)
_WORD_NUM.update({"seventeen": 17, "nineteen": 19})
# "seventy-five percent (75%)" is 75, not the "five" at its end
_WORD_NUM.update({f"{t}{sep}{u}": tv + uv for t, tv in _TENS.items() for u, uv in _UNITS.items() for sep in ("-", " ")})
_WORDS = "|".join(sorted((regex.escape(w) for w in _WORD_NUM), key=len, reverse=True))
# A number: digits (with thousands separators and decimals), a Chinese numeral, or English
# words optionally followed by the digits in brackets: "sixty (60)", "one (1)".
_NUM = (
    rf"(?:(?:\b(?P<w>{_WORDS})\b\s*)?\((?P<pd>\d+)\)"
    # the other way round, digits then the words: "30 (thirty) days", "14 (fourteen) days"
    rf"|(?<![\d.,])(?P<dw>\d+)\s*\((?:{_WORDS})\)"
    # not the rest of a number ("1,000", "2.5"); after a comma that ends a phrase it is a number
    # (the Chinese "，" is a "," once normalized: "参加活动，1年合约期")
    # digits with a Chinese multiplier are one number ("100万元" is a million, "1.5萬" fifteen thousand)
    rf"|(?<!\d)(?<!\d[.,])(?P<d>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<big>[{''.join(CN_MULTIPLIER)}](?![{CN_NUM_CHARS}]))?"
    rf"|(?<![\d.])(?P<c>[{CN_NUM_CHARS}]+)"
    rf"|\b(?P<w2>{_WORDS})\b)"
)

# currency codes by the sign or code written before an amount / the word after it (also read by
# the advert check, advice.offer)
CURRENCY_PREFIX = {"¥": "CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY", "us$": "USD", "$": "USD",
                    "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "a$": "AUD",
                    "aud": "AUD", "hk$": "HKD", "hkd": "HKD", "nz$": "NZD", "nzd": "NZD", "s$": "SGD",
                    "sgd": "SGD", "c$": "CAD", "ca$": "CAD", "cad": "CAD", "₹": "INR", "rs": "INR",
                    "inr": "INR", "kshs": "KES", "ksh": "KES", "kes": "KES", "₱": "PHP", "₦": "NGN",
                    "ngn": "NGN", "rm": "MYR", "myr": "MYR", "zar": "ZAR", "r": "ZAR", "nt$": "TWD",
                    "p": "PHP", "php": "PHP", "rp": "IDR", "idr": "IDR",
                    "twd": "TWD", "新台币": "TWD", "新台幣": "TWD", "新臺幣": "TWD", "港币": "HKD", "港幣": "HKD",
                    "港元": "HKD", "美元": "USD", "美金": "USD", "欧元": "EUR", "歐元": "EUR", "英镑": "GBP",
                    "英鎊": "GBP", "人民币": "CNY", "人民幣": "CNY"}
CURRENCY_SUFFIX = {"元": "CNY", "块": "CNY", "圆": "CNY", "yuan": "CNY", "rmb": "CNY", "dollar": "USD",
                    "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP", "pounds": "GBP",
                    "cent": "USD", "cents": "USD", "eur": "EUR", "usd": "USD", "gbp": "GBP", "aud": "AUD",
                    "nzd": "NZD", "cad": "CAD", "hkd": "HKD", "sgd": "SGD", "cny": "CNY", "rupees": "INR",
                    "rand": "ZAR", "ringgit": "MYR", "naira": "NGN", "peso": "PHP", "pesos": "PHP", "rupiah": "IDR", "inr": "INR", "kes": "KES", "zar": "ZAR",
                    "twd": "TWD", "美元": "USD", "美金": "USD", "港元": "HKD", "港币": "HKD", "港幣": "HKD",
                    "新台币": "TWD", "新台幣": "TWD", "新臺幣": "TWD", "台币": "TWD", "台幣": "TWD", "欧元": "EUR",
                    "歐元": "EUR", "英镑": "GBP", "英鎊": "GBP"}
# the Chinese names of other currencies, written after the sum ("30 加币/小时", "每月 25 新币", "500澳元"):
# 加币/加元 Canadian, 澳元 Australian, 新币/新加坡元 Singapore, 纽币 New Zealand dollars, 马币/令吉 ringgit,
# 日元 yen, 韩元 won, 泰铢 baht, 澳门元 pataca
_ZH_CURRENCY_NAMES = (("CAD", ("加币", "加幣", "加元", "加拿大元", "加拿大币", "加拿大幣")),
                      ("AUD", ("澳元", "澳币", "澳幣", "澳大利亚元", "澳大利亞元")),
                      ("SGD", ("新币", "新幣", "新加坡元", "新加坡币", "新加坡幣", "坡币", "坡幣")),
                      ("NZD", ("纽币", "紐幣", "纽元", "紐元", "新西兰元", "新西蘭元")),
                      ("MYR", ("马币", "馬幣", "令吉", "林吉特")),
                      ("JPY", ("日元", "日圆", "日圓", "日币", "日幣")),
                      ("KRW", ("韩元", "韓元", "韩币", "韓幣", "韓圜")),
                      ("THB", ("泰铢", "泰銖")),
                      ("MOP", ("澳门元", "澳門元", "澳门币", "澳門幣", "葡币", "葡幣")))
CURRENCY_SUFFIX.update({name: code for code, names in _ZH_CURRENCY_NAMES for name in names})
# longest first; 日元 not in a date ("5月30日元旦", "每月1日元…")
_ZH_CURRENCY_UNIT = "|".join(
    (r"(?<!月\s?\d{1,2}\s?)" + regex.escape(n) + "(?!旦)") if n.startswith("日") else regex.escape(n)
    for n in sorted((n for _, names in _ZH_CURRENCY_NAMES for n in names), key=len, reverse=True))
# "fifty (50) U.S. dollars", "100 Australian dollars": the country names the dollar
_DOLLAR_OF = {"u.s.": "USD", "us": "USD", "american": "USD", "australian": "AUD", "canadian": "CAD",
              "hong kong": "HKD", "new zealand": "NZD", "singapore": "SGD"}

_AMOUNT = cached_compile(
    # "R99.00" (rand) only with cents or two digits and more: "R2" is more often a name than money
    # "P2,000", "P 1800" (Philippine pesos: a capital P before two digits and more), "Rp 1.000.000" (rupiah,
    # the dots group thousands)
    rf"(?P<cur>(?<![a-z])(?:us|hk|nz|ca|nt|a|s|c)\$|[$€£¥￥₹₱₦]|\b(?:rmb|cny|usd|eur|gbp|aud|hkd|nzd|sgd|cad|inr|kes|ngn|myr|zar"
    rf"|twd|rs|kshs?|rm|php|idr|rp)(?![a-z])\.?|\bR(?=\d{{2}}|\d{{1,3}},\d{{3}}|\d+\.\d\d)|(?-i:\bP)(?=\s?\d{{1,3}},\d{{3}}|\s?\d{{2,}})|(?:新台[币幣]|新臺幣|港[币幣元]|美[元金])\s?(?:(?:HK|NT|US)\$|\$)|新台[币幣]|新臺幣|港[币幣元]|美[元金]|[欧歐]元|英[镑鎊]|人民[币幣])\s?(?P<n>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d{{1,3}}(?:\.\d{{3}}){{2,}}(?![\d,])|\d+(?:\.\d+)?)"
    # "20c p/MB", "9c per minute": cents of the document's dollar, as a rate
    # "69c weekly maintenance fee", "a fee of 99c will be deducted": a lone "c" token after a number
    # "15p per MB", "10p a text": pence, the same way
    rf"|(?<![\w.$])(?<!(?:section|clause|paragraph|item|article|rule|schedule|part|annex)\s)(?P<minor>\d{{1,2}}(?:\.\d+)?)(?-i:(?P<minor_sign>[cp]))"
    rf"(?=\s*(?:p/|per\b|/\s*[a-z]|a\s+(?:min|minute|mb|text|sms|call|kb)\b|each\b|(?:weekly|daily|monthly|maintenance|connection"
    rf"|hang[- ]?up|access|service|payphone|surcharge|fee|charge)\b|(?:will|may|is|are)\s+(?:also\s+)?(?:apply|applies|be\s+(?:charged|deducted)|deducted|charged)\b))"
    rf"|(?<=首充|首次充值|充值|预存|月租|月费|套餐费|资费)\s*(?P<bare>\d+(?:\.\d+)?)(?![\d.]*\s*(?:{_ZH_CURRENCY_UNIT}|G|M|个|天|日|月|年|%|分钟|元|块|圆|折|美[元金]|港[币幣元]|[欧歐]元|英[镑鎊]))"
    rf"|{_NUM}\s*(?P<unit>{_ZH_CURRENCY_UNIT}|美[元金]|港[币幣元]|新?台[币幣]|新臺幣|[欧歐]元|英[镑鎊]|元|块钱|块|圆|\byuan\b|\brmb\b"
    rf"|\b(?:u[.\u00b7]\s?s[.\u00b7]|us|american|australian|canadian|hong\s+kong|new\s+zealand|singapore)\s+dollars?\b|\bdollars?\b|\beuros?\b|\bpounds?\b|\bcents?\b"
    rf"|\b(?:eur|usd|gbp|aud|nzd|cad|hkd|sgd|cny|inr|kes|zar|rupees|rand|ringgit|naira|pesos?|rupiah)\b)",
    regex.I,
)
_BRACKETED_SUM = cached_compile(r"\s*[(（]\s*(?:[$€£¥￥₹]|[a-z]{1,3}\$)?\s?\d", regex.I)
_PERIOD_AFTER = cached_compile(
    r"\G\s*(?:\)|）)?\s*(?:\d+(?:\.\d+)?\s*(?:GB|G|MB|M)(?![a-z]))?\s*(?:(?P<m>(?:/\s*(?:部|台|张|个|人|户|条|线|卡|号)\s*)?/\s*月|每月|pcm\b|pm\b|p/m\b|(?:for|per)\s+(?:each|every)\s+(?:remaining\s+)?month|per\s+remaining\s+month|/\s*mo\b|/\s*month|per\s+month|a\s+month|monthly|per\s+line\s+per\s+month|(?:per|each|/)\s*(?:[a-z]+\s+){0,2}?(?:line|device|user|account|member|phone|unit|connection|subscriber|handset)\s*(?:per|a|each|/)\s*month|包月|月租)"
    r"|(?P<y>/\s*年|每年|/\s*yr|/\s*year|per\s+year|a\s+year|annually|per\s+annum|(?:in\s+any|per|each)\s+(?:one\s+)?calendar\s+year|in\s+any\s+(?:one\s+)?year)"
    r"|(?P<d>/\s*[日天]|每[日天]|/\s*day|per\s+day|a\s+day|daily)"
    r"|(?P<o>/\s*次|每次|/\s*笔|每笔|一次性|one[- ]time|once))",
    regex.I,
)
_PERIOD_BEFORE = cached_compile(
    r"(?:(?P<m>每月|月(?=[^\d。;；]{0,8}?(?:费|租|缴|扣|付|收|消费))|monthly|per\s+month|month)|(?P<y>每年|年|annual|yearly|per\s+year)"
    r"|(?P<d>每[日天]|日[费費租](?!用)|daily|per\s+day)|(?P<o>一次性|首充|首次充值|预存|one[- ]time))[^\d。;；]{0,8}$"
    # the period names the fee a few words before its sum: "an annual facility maintenance charge of up to,
    # but not exceeding, $150", "a monthly service fee of $9.99"
    r"|\b(?:(?P<m>monthly)|(?P<y>annual|yearly)|(?P<d>daily)|(?P<o>one[- ]time|one[- ]off))\s+(?:[\w-]+\s+){0,3}?"
    r"(?:fees?|charges?|dues|payments?|rates?|subscriptions?|surcharges?)\s+(?:of\s+|is\s+|will\s+be\s+)?"
    r"(?:(?:up\s+to|not\s+exceeding|no\s+more\s+than|at\s+most|only)\b[\s,]*|but\s+not\s+exceeding[\s,]*)*[^\d.;。；]{0,4}$"
    # "a Service Restoral Fee of no more than $50", "a missed appointment fee of one hundred dollars": a
    # one-off fee's name says it is charged once
    r"|\b(?P<o>(?:re-?connection|restoral|restoration|reactivation|re-?installation|installation|set-?up|"
    r"returned\s+(?:payment|cheque|check)|dishono(?:u)?red\s+payment|missed\s+(?:appointment|visit)|call-?out|"
    r"(?:sim\s+)?replacement|porting|transfer|change)\s+(?:fee|charge)s?)\b[^\d.;]{0,32}$"
    # "an Annual Membership Fee of $49", "Access Fee (monthly, per receiver) $4.99": the fee's name says it
    r"|(?:\b(?P<y>annual|yearly)|\b(?P<m>monthly))\s+(?:[a-z-]+\s+){0,3}?(?:fees?|charges?|dues|payments?|rates?)\b"
    r"[^\d.;]{0,12}$|\((?:(?P<m>monthly)|(?P<y>annual|yearly))\b[^()\d]{0,30}\)\s*[:-]?\s*$",
    regex.I,
)
_MONTHS = cached_compile(rf"{_NUM}\s*(?:-|\s)?(?P<u>个\s*月|个自然月|自然月|月(?![\d]{{1,2}}[日号]|租|费|底|初|末|结|份)|(?:(?:consecutive|full|calendar)\s+)?months?\b|mos?\b"
                     # a term counted in monthly bills ("two (2) Billing Cycles", "24 bill cycles", "12个计费周期")
                     rf"|(?:(?:full|consecutive|monthly)\s+)?(?:billing|bill)\s+(?:cycles?|periods?)\b|个?(?:计费|账单)周期|个账期"
                     # "24 monthly bill credits", "12 monthly payments of $11.99": a count of months
                     rf"|(?<=\s)(?=(?:equal\s+)?monthly\s+(?:(?:bill|account|service|promotional|device)\s+)?(?:credits?|payments?|instal(?:l)?ments?|bills?|charges?)\b))", regex.I)
_CYCLES = cached_compile(r"cycle|period|周期|账期", regex.I)
_WITHIN = cached_compile(r"(?:\b(?:within|in|after|next)|之内|以内|内|后)\s*$", regex.I)
_YEARS = cached_compile(rf"{_NUM}\s*(?:-|\s)?(?P<u>周年|年(?!\d)|years?\b|yrs?\b)", regex.I)
_DAYS = cached_compile(rf"{_NUM}\s*(?:-|\s)?(?P<u>个?工作日|个?自然日|天|日(?!期|[元圆圓币幣](?!旦))|(?:(?:business|calendar|consecutive|working|banking|clear|full)\s+){{0,2}}days?\b)", regex.I)
_PERCENT = cached_compile(rf"{_NUM}\s*(?P<u>%|‰|percent\b|per\s+cent\b)", regex.I)
_PERCENT_CN = cached_compile(rf"百分之(?P<c>[{CN_NUM_CHARS}]+)|千分之(?P<k>[{CN_NUM_CHARS}\d]+)")
_DATA = cached_compile(r"(?<![\da-zA-Z.])(?P<n>\d+(?:\.\d+)?)\s*(?P<u>GB|G|TB|T|MB|M)(?:pm\b|(?![a-z]|/s|bps))", regex.I)
_OF_DATA = cached_compile(r"\s*of\s+(?:[\w-]+\s+){0,2}?data\b", regex.I)
_SPEED = cached_compile(r"(?<![\da-zA-Z.])(?P<n>\d+(?:\.\d+)?)\s*(?P<u>kbps|kb/s|k/s|kbit/s|kbits?\b|mbps|mb/s|m/s|mbit/s|mbits?\b|gbps)", regex.I)
# a speed written short after the words that state one: "上网速率降至1M", "限速128K", "throttled to 128Kb"
_SPEED_CTX = cached_compile(
    r"(?:降至|降为|降到|限速(?:至|为|到|在)?|速率(?:降至|降为|降到|为|限制在)|throttled\s+(?:down\s+)?to|"
    r"(?:speeds?|data)\s+(?:will\s+be\s+)?(?:reduced|slowed|lowered)\s+(?:down\s+)?to)\s*(?:约|最高|up\s+to\s+)?"
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>kbps|kb/s|kb|k|mbps|mb/s|mb|m)(?![a-z/])", regex.I)
_NETWORK_G = cached_compile(r"[2345]G(?:网|入网|套餐|手机|终端|信号|用户|业务|版|上网|融合|时代|技术|基站|卡|号|服务|\s*[a-zA-Z])", regex.I)


# "A $3 fee will be charged monthly": the period stated by the verb that follows the amount
_PERIOD_LATER = cached_compile(
    r"\G[^.;,，；。\n]{0,40}?\b(?:charged|billed|payable|paid|debited|deducted|collected|assessed|applied|due)"
    r"\s+(?:(?:to|on)\s+(?:your|the)\s+\w+\s+)?"
    r"(?:(?P<m>monthly|each\s+month|every\s+month|per\s+month|a\s+month)|(?P<y>annually|yearly|each\s+year|every\s+year|per\s+year)"
    r"|(?P<d>daily|each\s+day|every\s+day|per\s+day)|(?P<o>once|one\s+time))\b",
    regex.I,
)
_BILLING_PERIOD = cached_compile(
    r"(?P<m>month[- ]to[- ]month|\bmonthly\b|\bper\s+month\b|\bevery\s+month\b|\beach\s+month\b|按月|每月|包月|月付|月租)"
    r"|(?P<y>year[- ]to[- ]year|\bannual(?:ly)?\b|\bper\s+year\b|\bevery\s+year\b|按年|每年|包年|年付)"
    r"|(?P<o>\bone[- ]?(?:off|time)\b(?=\s+(?:[\w-]+\s+){0,2}?(?:fees?|charges?|payments?)\b)|一次性(?:收取|支付|缴纳|繳納|收费|收費))",
    regex.I)


@dataclass(frozen=True)
class Value:
    key: str
    value: int | float
    start: int
    end: int
    extra: tuple[tuple[str, Any], ...] = ()


# The currency of a bare "$" (and of "dollars", "cents"): the document's, set once per scan by
# the detector from what the document says about where it applies (see dollar_currency).
import contextlib  # noqa: E402
import contextvars  # noqa: E402
from collections.abc import Iterator  # noqa: E402

DOLLAR: contextvars.ContextVar[str] = contextvars.ContextVar("terms_scan_dollar", default="USD")
# whether a bare capital "P" before digits is the Philippine peso ("Preterm fee: P2,000"): only in a
# document that names the Philippines, its peso or its carriers (elsewhere "P30" is a plan or a page)
PESO: contextvars.ContextVar[bool] = contextvars.ContextVar("terms_scan_peso", default=False)
_PESO_SIGNS = cached_compile(r"\bPhilippines?\b|\bFilipino\b|\bPHP\b|\bpesos?\b|₱|\bPLDT\b|\bGlobe Telecom\b|"
                             r"\bSmart Communications\b|\bDITO\b|\bNational Telecommunications Commission\b|"
                             r"\b(?:Manila|Makati|Taguig|Quezon City|Cebu|Davao|Pasig)\b", regex.I)


def peso_document(text: str) -> bool:
    """Does the document name the Philippines or its peso (see PESO)?"""
    return _PESO_SIGNS.search(text[:400_000], timeout=TIMEOUT * 4) is not None
_DOLLAR_SIGNS = {
    # (GST is no sign: Singapore, New Zealand, India and Malaysia levy one as well)
    "AUD": cached_compile(r"\bAustralian?\b|\bABN\b|\bnbn\b|\bACMA\b|\bTIO\b|\bACCC\b|\.com\.au\b|"
                         r"\bNSW\b|\bQueensland\b|\bVictoria\b|Telecommunications Industry Ombudsman|\bAUD\b|\bA\$|Critical Information Summary|"
                         r"\bTelstra\b|\bOptus\b|\bTPG\b|\biiNet\b|Aussie Broadband|\bBelong\b|"
                         r"\bPty\.? Ltd\b|\bACN\b|\bfortnight(?:ly)?\b|\b(?:South|Western) Australia\b|\bTasmania\b|"
                         r"\b(?:Adelaide|Melbourne|Sydney|Brisbane|Canberra)\b", regex.I),
    "NZD": cached_compile(r"\bNew Zealand\b|\bNZ\$|\.co\.nz\b|\bNZD\b|\bTDR\b|Telecommunications Dispute Resolution|"
                         r"\b2degrees\b|\bOne NZ\b|\bSpark NZ\b", regex.I),
    "CAD": cached_compile(r"\bCanad(?:a|ian)\b|\bCRTC\b|\bCCTS\b|\bHST\b|\bQu[eé]bec\b|\bOntario\b|\bCAD\b|\bC\$|"
                         r"\bRogers\b|\bTelus\b|\bKoodo\b|\bFido\b|Bell (?:Canada|Mobility)|Freedom Mobile"),
    "HKD": cached_compile(r"\bHong Kong\b|\bHK\$|\bHKD\b|\bOFCA\b"),
    "SGD": cached_compile(r"\bSingapore\b|\bS\$|\bSGD\b|\bIMDA\b|\bSingtel\b|\bStarHub\b|\bM1 Limited\b|"
                         r"\bCircles\.?Life\b|\.com\.sg\b|\bPte\.? Ltd\b|(?-i:\bM1\b)"),
    "USD": cached_compile(r"\bUnited States\b|\bU\.S\.|\bUSA\b|\bFCC\b|\bFederal\b|\bUS\$|\bUSD\b|"
                         r"\b(?:California|Texas|New York|Florida|Illinois|Washington|Delaware)\b"),
}


YUAN: contextvars.ContextVar[str] = contextvars.ContextVar("terms_scan_yuan", default="CNY")
_YUAN_SIGNS = {
    "TWD": cached_compile(r"新臺幣|新台幣|NT\$|臺灣|台灣|中華民國|遠傳|中華電信|台灣大哥大|台哥大|亞太電信|台灣之星|"
                         r"國家通訊傳播委員會|\bNCC\b|臺北|台北|高雄|臺中|台中|統一編號|消費者保護法"),
    "HKD": cached_compile(r"港元|港幣|港币|HK\$|香港|通訊事務管理局|\bOFCA\b|消費者委員會"),
    "CNY": cached_compile(r"人民币|人民幣|中华人民共和国|工业和信息化部|工信部|中国移动|中国联通|中国电信|消费者权益保护法|"
                         r"¥|￥|\bRMB\b|\bCNY\b"),
}


def _named(sample: str, signs: dict[str, regex.Pattern[str]], home: str) -> tuple[str, int]:
    """The currency whose signs ``sample`` names at least twice and more often than ``home``'s
    (else ``home``), and how often it names ``home``'s."""
    counts = {cur: len(rx.findall(sample, timeout=TIMEOUT * 4)) for cur, rx in signs.items()}
    at_home = counts.pop(home)
    best = max(counts, key=lambda c: counts[c])
    return (best if counts[best] >= 2 and counts[best] > at_home else home), at_home


def yuan_currency(text: str) -> str:
    """Which currency a bare "元" means in this document: TWD (新臺幣) or HKD when the document
    names Taiwan's or Hong Kong's institutions, carriers or cities at least twice and more
    often than the mainland's, else CNY."""
    return _named(text[:400_000], _YUAN_SIGNS, "CNY")[0]


def dollar_currency(text: str) -> str:
    """Which dollar a bare "$" means in this document: AUD, NZD, CAD, HKD or SGD when the
    document names that country's institutions or taxes (GST, nbn, TIO, CRTC…) at least twice
    and more often than the United States', else USD."""
    return _dollar(text[:400_000])[0]


def _dollar(sample: str) -> tuple[str, int]:
    """The bare dollar's currency and how often the sample names the United States; amounts
    labelled with another dollar ("$50 ($35 CAD)") do not make the bare dollar that one."""
    return _named(_LABELLED_AMOUNT.sub(" ", sample, timeout=TIMEOUT * 4), _DOLLAR_SIGNS, "USD")


# an amount labelled with its currency ("$35 CAD", "CAD 35", "A$20"): the document writes that
# currency out where it means it, so the label says nothing about what a bare "$" is
_LABELLED_AMOUNT = cached_compile(
    r"\d[\d,.]*\s*(?:CAD|AUD|NZD|HKD|SGD)\b|\b(?:CAD|AUD|NZD|HKD|SGD)\s*\$?\s*\d|\b(?:C|A|NZ|HK|S)\$\s*\d")


@contextlib.contextmanager
def currencies_of(text: str) -> Iterator[None]:
    """Inside: the amounts of this document read in its own currencies (DOLLAR, YUAN, PESO)."""
    dollar_cur, yuan_cur = document_currencies(text)
    tokens = (DOLLAR.set(dollar_cur), YUAN.set(yuan_cur), PESO.set(peso_document(text)))
    try:
        yield
    finally:
        PESO.reset(tokens[2])
        YUAN.reset(tokens[1])
        DOLLAR.reset(tokens[0])


def document_currencies(text: str) -> tuple[str, str]:
    """The document's dollar and yuan (see dollar_currency, yuan_currency); a Taiwanese or Hong
    Kong Chinese agreement's bare "$1,200" is NT$ or HK$ unless the document names the United
    States."""
    sample = text[:400_000]
    yuan = _named(sample, _YUAN_SIGNS, "CNY")[0]
    dollar, us = _dollar(sample)
    # a Hong Kong agreement in Chinese names Hong Kong in Chinese (香港, 港幣, 通訊事務管理局), so
    # its "$10" is HK$ as surely as a Taiwanese price list's "$1,200" is NT$
    return (yuan if yuan in ("TWD", "HKD") and dollar == "USD" and not us else dollar), yuan


def _num(m: regex.Match[str]) -> float | None:
    g = m.groupdict()
    if g.get("pd") or g.get("dw"):
        return float(g.get("pd") or g["dw"])
    if g.get("d"):
        return float(g["d"].replace(",", "")) * CN_MULTIPLIER.get(g.get("big") or "", 1)
    if g.get("c"):
        v = cn_to_int(g["c"])
        return float(v) if v is not None else None
    w = (g.get("w2") or g.get("w") or "").lower()
    return float(_WORD_NUM[w]) if w in _WORD_NUM else None


def _clean(x: float) -> int | float:
    return int(x) if float(x).is_integer() else round(x, 4)


_PERIOD_NAMES = {"m": "month", "y": "year", "d": "day", "o": "once"}  # the named groups of the period patterns


def _period_after(text: str, end: int) -> str | None:
    """The period written right after a number ("$27 a month", "1.5% per day")."""
    m = _PERIOD_AFTER.match(text, end, timeout=TIMEOUT)
    return _PERIOD_NAMES[m.lastgroup] if m and m.lastgroup else None


def _period(text: str, start: int, end: int) -> str | None:
    m = _PERIOD_AFTER.match(text, end, timeout=TIMEOUT)
    if not m:  # the period word closest to the amount ("当月完成首充100元": once, not month)
        seg, pos = text[max(0, start - 90):start], 0  # "a minimum monthly fee of $8": 8 chars between
        while (x := _PERIOD_BEFORE.search(seg, pos, timeout=TIMEOUT)) is not None:
            m, pos = x, x.start() + 1
    if not m:
        m = _PERIOD_LATER.match(text, end, timeout=TIMEOUT)
    if not m:
        return None
    assert m.lastgroup is not None  # every alternative of the three patterns is a named group
    return _PERIOD_NAMES[m.lastgroup]


def candidates(text: str) -> list[Value]:
    """Every value stated in ``text`` with its span."""
    out: list[Value] = []
    rate_spans = _amount_candidates(text, out)
    _duration_candidates(text, out, rate_spans)
    _other_candidates(text, out)
    return out


def _amount_candidates(text: str, out: list[Value]) -> list[tuple[int, int]]:
    """The amounts of money in ``text``, added to ``out``; returns the spans of the periods that
    follow a price ("£27 a month"), which are rates, not durations."""
    rate_spans: list[tuple[int, int]] = []
    for m in _AMOUNT.finditer(text, timeout=TIMEOUT):
        if m.group("cur"):
            sign = m.group("cur").lower().rstrip(".")
            if not sign.isascii() and sign.endswith("$"):
                # "港幣$18", "新台幣 NT$500": the currency's name before the sign says which dollar
                sign = regex.sub(r"\s*(?:hk|nt|us)?\$$", "", sign)
            if sign == "p" and not PESO.get():
                continue
            raw = m.group("n")
            # dots group thousands in rupiah ("Rp 100.000") and in any run of dot groups ("1.000.000")
            if sign in ("rp", "idr") or raw.count(".") > 1:
                raw = regex.sub(r"\.(?=\d{3}(?:\D|$))", "", raw)
            n = float(raw.replace(",", ""))
            cur = DOLLAR.get() if sign == "$" else CURRENCY_PREFIX.get(sign, "USD")
            if sign in ("¥", "￥") and YUAN.get() == "TWD":
                cur = "TWD"
        elif m.group("minor"):  # cents of the document's dollar, or pence
            n, cur = float(m.group("minor")) / 100, ("GBP" if m.group("minor_sign") == "p" else DOLLAR.get())
        elif m.group("bare"):
            n, cur = float(m.group("bare")), YUAN.get()  # "首充 100": Chinese top-ups are in the yuan
        else:
            v = _num(m)
            if v is None:
                continue
            if (m.group("w2") or m.group("w")) and _BRACKETED_SUM.match(text, m.end()):
                # "TWO HUNDRED FIFTY POUNDS (£250.00)": the digits in brackets are the sum; the
                # words are only partly read ("FIFTY")
                continue
            unit = m.group("unit").lower()
            cur = CURRENCY_SUFFIX.get(unit, "CNY")
            if unit.endswith(("dollar", "dollars")) and " " in unit:
                # the detector reads the dots of "U.S." inside a clause as middle dots (detect.INNER_DOT)
                country = unit.rsplit(" ", 1)[0].replace("\u00b7", ".").replace(". ", ".")
                cur = _DOLLAR_OF.get(regex.sub(r"\s+", " ", country), "USD")
            elif cur == "USD" and unit not in ("usd", "美元", "美金"):
                cur = DOLLAR.get()  # "dollars" and "cents" are the document's dollar
            elif unit in ("元", "块", "块钱", "圆"):
                cur = YUAN.get()  # "元" is the document's yuan: 新臺幣 in a Taiwanese agreement
            n = v / 100 if unit.startswith("cent") else v
        period = _period(text, m.start(), m.end())
        extra = [("currency", cur)] + ([("period", period)] if period else [])
        out.append(Value("amount", _clean(n), m.start(), m.end(), tuple(extra)))
        after = _PERIOD_AFTER.match(text, m.end(), timeout=TIMEOUT)
        if after:
            rate_spans.append((m.end(), after.end()))
    return rate_spans


def _duration_candidates(text: str, out: list[Value], rate_spans: list[tuple[int, int]]) -> None:
    """The durations in ``text`` (months, years as months, days), added to ``out``."""
    def in_rate(m: regex.Match[str]) -> bool:
        # "£27 a month", "$10 per day": the period of a price, not a duration
        return any(a <= m.start() < b for a, b in rate_spans)

    for m in _MONTHS.finditer(text, timeout=TIMEOUT):
        v = _num(m)
        if in_rate(m) or text[m.end():m.end() + 4].lower() == "-to-":
            continue
        if m.group("u") == "" and (text[max(0, m.start() - 1):m.start()] in ("$", "€", "£", "¥", "￥")
                                   or v is None or not float(v).is_integer()):
            continue  # "$50 monthly payments" is an amount, not a count of months
        if m.group("u") == "" and text[m.start():m.end()].strip().lower() in ("a", "an", "one"):
            continue  # "applied as a monthly credit": how often, not a term of one month
        if _CYCLES.search(m.group("u")) and _WITHIN.search(text, max(0, m.start() - 12), m.start()):
            continue  # "credits begin within two bill cycles": when something starts, not a term
        if v is not None and 0 < v <= 120 and not _ordinal(text, m.start()):
            out.append(Value("months", _clean(v), m.start(), m.end()))
    for m in _YEARS.finditer(text, timeout=TIMEOUT):
        v = _num(m)
        if in_rate(m):
            continue
        if v is not None and 0 < v <= 10 and not _ordinal(text, m.start()):
            out.append(Value("months", _clean(v * 12), m.start(), m.end()))
    for m in _DAYS.finditer(text, timeout=TIMEOUT):
        v = _num(m)
        if in_rate(m):
            continue
        before = text[max(0, m.start() - 1):m.start()]
        # "第7天24点前" / "第15日内": the deadline's day is a window of that many days
        deadline = before == "第" and _DEADLINE_AFTER.match(text, m.end()) is not None
        if v is not None and 0 < v <= 3660 and before != "月" and (deadline or not _ordinal(text, m.start())):
            out.append(Value("days", _clean(v), m.start(), m.end()))


def _other_candidates(text: str, out: list[Value]) -> None:
    """The percentages, data allowances and speeds in ``text``, added to ``out``."""
    for m in _PERCENT.finditer(text, timeout=TIMEOUT):
        v = _num(m)
        if v is not None:
            # "interest at 1.5% per month", "1.5% per day": a rate's period, written right after it,
            # travels with it (not a month word before it: "剩余月份最低消费总额的50%" is no monthly rate)
            period = _period_after(text, m.end())
            out.append(Value("percent", _clean(v / 10 if m.group("u") == "‰" else v), m.start(), m.end(),
                             (("period", period),) if period else ()))
    for m in _PERCENT_CN.finditer(text, timeout=TIMEOUT):
        raw = m.group("c") or m.group("k")
        v = cn_to_int(raw) if not raw.isdigit() else int(raw)
        if v is not None:
            out.append(Value("percent", _clean(v / 10 if m.group("k") else float(v)), m.start(), m.end()))
    for m in _DATA.finditer(text, timeout=TIMEOUT):
        unit = m.group("u").upper()
        if unit in ("G", "M", "T") and _NETWORK_G.match(text, m.start(), timeout=TIMEOUT):
            continue
        if unit == "M" and "流量" not in text[m.end():m.end() + 4] and "流量" not in text[max(0, m.start() - 4):m.start()]:
            continue
        n = float(m.group("n"))
        # operators state terabyte caps in decimal (1.2TB = 1,200GB); megabytes as 1/1024 GB
        gb = n * 1000 if unit.startswith("T") else n / 1024 if unit.startswith("M") else n
        # a quota's period travels with it ("10GB per day", "40GB/月", "1GB a month"): a data cap
        # that states no price still says how often it resets
        of_data = _OF_DATA.match(text, m.end(), timeout=TIMEOUT)  # "50GB of data a month"
        period = _period_after(text, of_data.end() if of_data else m.end())
        out.append(Value("data_gb", _clean(gb), m.start(), m.end(), (("period", period),) if period else ()))
    speeds: list[tuple[int, int]] = []
    for m in _SPEED.finditer(text, timeout=TIMEOUT):
        unit = m.group("u").lower()
        n = float(m.group("n"))
        kbps = n * 1000 if unit[0] == "m" else n * 1_000_000 if unit[0] == "g" else n
        out.append(Value("speed_kbps", _clean(kbps), m.start(), m.end()))
        speeds.append(m.span())
    for m in _SPEED_CTX.finditer(text, timeout=TIMEOUT):
        a, b = m.span("n")[0], m.end()
        if any(x < b and a < y for x, y in speeds):
            continue  # "降至128Kbps": read above already
        n = float(m.group("n"))
        out.append(Value("speed_kbps", _clean(n * 1000 if m.group("u")[0] in "mM" else n), a, b))


# "第1-3个月内解约…" (a range of month numbers), "每在网满一个月递减20元" (a step per month):
# month numbers and units, not a duration
_NOT_A_DURATION_BEFORE = cached_compile(r"(?:第\s*\d+\s*(?:-|—|–|~|～|至|到)\s*第?|每(?:在网|使用)?满?)\s*$")


_DEADLINE_AFTER = cached_compile(r"\s*(?:\d{1,2}\s*[点时:：](?:\s*\d{2})?\s*)?(?:前|之前|以前|内|之内|以内|结束前)")


def _ordinal(text: str, start: int) -> bool:
    if start <= 0:
        return False
    return text[start - 1] in "第" or bool(_NOT_A_DURATION_BEFORE.search(text[max(0, start - 12):start], timeout=TIMEOUT))


_SUBCLAUSE_CUT = cached_compile(r"[,，;；:：]|(?<=[a-z])\.\s")


def subclause(text: str, start: int, end: int) -> tuple[int, int]:
    """The comma-delimited part of ``text`` around ``start..end``."""
    a = max((m.end() for m in _SUBCLAUSE_CUT.finditer(text, 0, start)), default=0)
    m = _SUBCLAUSE_CUT.search(text, end)
    return a, (m.start() if m else len(text))


def pick(text: str, keys: list[str] | tuple[str, ...], anchor: tuple[int, int],
         found: list[Value] | None = None, forward: bool = False) -> dict[str, Any]:
    """For each wanted key, the value nearest to ``anchor`` (a span in ``text``), preferring
    values in the anchor's own sub-clause ("每月最低消费59元，提前解约须支付违约金300元": the
    exit fee is 300); with ``forward``, values after the anchor come first ("恢复标准资费39元",
    "$85 thereafter")."""
    if not keys:
        return {}
    found = candidates(text) if found is None else found
    a0, a1 = anchor
    s0, s1 = subclause(text, a0, a1)
    out: dict[str, Any] = {}
    wanted = set(keys)
    for key in ("amount", "months", "days", "percent", "data_gb", "speed_kbps"):
        if key not in wanted:
            continue
        best, best_d = None, None
        for v in found:
            if v.key != key:
                continue
            d = 0 if v.start < a1 and a0 < v.end else (v.start - a1 if v.start >= a1 else a0 - v.end + 1)
            if forward and v.end <= a0:
                d += 100_000
            if not (s0 <= v.start and v.end <= s1):
                d += 1_000
            if best_d is None or d < best_d:
                best, best_d = v, d
        if best is not None:
            out[key] = best.value
            for k, val in best.extra:
                if k in wanted or k in ("currency", "period"):
                    out.setdefault(k, val)
            if key == "amount" and "period" not in out:
                # the same sum stated again with its period ("按20元60G月包…标准价20元/月收费"):
                # the nearest mention names the product, the other says how often it is charged
                for v in found:
                    per = dict(v.extra).get("period")
                    if v.key == "amount" and v.value == best.value and per and per != "once":
                        out["period"] = per
                        break
    if "period" in wanted and "period" not in out and "amount" not in out:
        # "month-to-month", "按月扣费", "a one-off Activation Fee": a billing period stated without an
        # amount; of several, the one nearest the anchor ("…a one-off Activation Fee, and our monthly
        # charges will start": the fee is once)
        stated = [(m.start(), "month" if m.group("m") else "year" if m.group("y") else "once")
                  for m in _BILLING_PERIOD.finditer(text, timeout=TIMEOUT)]
        if stated:
            out["period"] = min(stated, key=lambda x: abs(x[0] - a0))[1]
    if "formula" in wanted:
        f = formula(text)
        if f:
            out["formula"] = f
    return out


class Mechanism(str, Enum):
    """How an exit cost is computed: the base of a ``formula`` value (its text begins with the
    member's value; multipliers, caps and floors follow). The advice layer turns each into
    arithmetic and asks ``mechanism(formula)`` instead of comparing strings."""

    PRICE_DIFFERENCE = "price difference x remaining months / contract months"
    REMAINING_MINIMUM = "remaining months x monthly minimum spend"
    REMAINING_CHARGE = "remaining months x monthly fee"  # the wording of TAXONOMY.md's own example
    FIXED_PER_MONTH = "fixed amount x remaining months"
    MINIMUM_MULTIPLE = "monthly minimum spend"
    COMMITTED_TOTAL = "committed total spend - amount already spent"
    REMAINING_BALANCE = "remaining balance due at once"
    REPAY_GIFTS = "repay the discounts and gifts already received"
    REPAY_CREDITS = "repay the credits and discounts already received"

    @property
    def remaining_months(self) -> bool:
        """Charged for each month left of the term."""
        return self in (Mechanism.REMAINING_MINIMUM, Mechanism.REMAINING_CHARGE)

    @property
    def repays(self) -> bool:
        """The benefits already received are paid back."""
        return self in (Mechanism.REPAY_GIFTS, Mechanism.REPAY_CREDITS)

    @property
    def on_minimum_spend(self) -> bool:
        return self in (Mechanism.REMAINING_MINIMUM, Mechanism.MINIMUM_MULTIPLE)


def mechanism(formula_text: Any) -> Mechanism | None:
    """The mechanism a ``formula`` value states (None for no formula or free text)."""
    if not isinstance(formula_text, str) or not formula_text:
        return None
    if formula_text.startswith(_LEGACY_REMAINING_CHARGE):  # as stored by earlier versions (watch history)
        return Mechanism.REMAINING_CHARGE
    return next((m for m in Mechanism if formula_text.startswith(m.value)), None)


_LEGACY_REMAINING_CHARGE = "remaining months x monthly charge"


@dataclass(frozen=True)
class FormulaTerms:
    """A ``formula`` value read back: its mechanism and the terms ``formula()`` appended to it
    ("remaining months x monthly minimum spend x 2 (at most 500)")."""

    mechanism: Mechanism | None
    multiple: float = 1.0
    at_most: float | None = None
    at_least: float | None = None
    higher_of: bool = False

    def bound(self, amount: float) -> float:
        """``amount`` with the formula's cap and floor applied."""
        if self.at_most is not None:
            amount = min(amount, float(self.at_most))
        if self.at_least is not None:
            amount = max(amount, float(self.at_least))
        return amount


_FORMULA_TERM = cached_compile(r"\s*(?:x\s+(?P<m>\d+(?:\.\d+)?)|\(at most (?P<cap>\d+(?:\.\d+)?)\)"
                              r"|\(at least (?P<floor>\d+(?:\.\d+)?)\)|\((?P<hi>whichever is higher)\))")


def formula_terms(formula_text: Any) -> FormulaTerms:
    mech = mechanism(formula_text)
    if mech is None:
        return FormulaTerms(None)
    multiple, cap, floor, hi = 1.0, None, None, False
    head = _LEGACY_REMAINING_CHARGE if formula_text.startswith(_LEGACY_REMAINING_CHARGE) else mech.value
    for m in _FORMULA_TERM.finditer(formula_text, len(head)):
        if m.group("m"):
            multiple = float(m.group("m"))
        elif m.group("cap"):
            cap = float(m.group("cap"))
        elif m.group("floor"):
            floor = float(m.group("floor"))
        elif m.group("hi"):
            hi = True
    return FormulaTerms(mech, multiple, cap, floor, hi)


# How an exit cost is computed, when the clause says so in words: the advice layer turns
# these into arithmetic. Each entry: a regex and the mechanism it states.
# the words of the exit-cost formulas: what is left (months, the term) and what each month costs
_ZH_LEFT = "(?:月份|月数|个月|期限|在网期|合约期|服务期)"
_ZH_MINIMUM = "(?:月最低消费|最低消费|保底消费)"
_ZH_FEE = "(?:月租|月费|月基本费|套餐费|会费)"
_FORMULAS = [
    (cached_compile(r"(?:差额|差价)[^。；;]{0,6}(?:×|x|\*|乘以)[^。；;]{0,6}(?:未完成|剩余)[^。；;]{0,12}(?:月份|月数)"),
     Mechanism.PRICE_DIFFERENCE),
    # the remaining months times the monthly minimum spend, or times the monthly fee when the clause names the fee
    # (剩余月份×月租 is the fee; s21: Hong Kong's 承诺期内剩余原价月费之总和 / 剩余合约月费总和 / 余下月费)
    (cached_compile(rf"剩余[^。；;]{{0,12}}?{_ZH_LEFT}[^。；;]{{0,20}}?{_ZH_MINIMUM}"),
     Mechanism.REMAINING_MINIMUM),
    (cached_compile(rf"{_ZH_MINIMUM}[^。；;]{{0,12}}?(?:乘以|×|x|\*)[^。；;]{{0,6}}?剩余"),
     Mechanism.REMAINING_MINIMUM),
    (cached_compile(rf"剩余[^。；;]{{0,12}}?{_ZH_LEFT}[^。；;]{{0,20}}?{_ZH_FEE}"
                    rf"|{_ZH_FEE}[^。；;]{{0,12}}?(?:乘以|×|x|\*)[^。；;]{{0,6}}?剩余"
                    r"|(?:剩余|余下|尚余)(?:的)?(?:合约|原价|应付)*月费(?:之|的)?(?:总和|总额|之和|合计)?"),
     Mechanism.REMAINING_CHARGE),
    # the monthly fee times the months left, "余下" in Hong Kong: 承诺期内月费X承诺期余下月数
    (cached_compile(r"(?:月费|月租|月基本费|套餐费)[^。；;]{0,12}?(?:乘以|×|x|X|\*)[^。；;]{0,12}?(?:余下|剩余|尚余)[^。；;]{0,4}?(?:月数|月份|个月)"),
     Mechanism.REMAINING_CHARGE),
    (cached_compile(r"剩余[^。；;]{0,20}?各月[^。；;]{0,20}?最低消费[^。；;]{0,6}?之和"),
     Mechanism.REMAINING_MINIMUM),
    (cached_compile(r"剩余[^。；;]{0,20}?各月[^。；;]{0,20}?(?:月租|月费)[^。；;]{0,6}?之和"),
     Mechanism.REMAINING_CHARGE),
    (cached_compile(r"剩余[^。；;]{0,12}?(?:月份|月数|个月)[^。；;]{0,6}?(?:×|x|\*|乘以)\s*\d+(?:\.\d+)?\s*元"),
     Mechanism.FIXED_PER_MONTH),
    (cached_compile(r"(?:约定消费总额|承诺消费总额)[^。；;]{0,20}?(?:差额)"),
     Mechanism.COMMITTED_TOTAL),
    (cached_compile(r"退还[^。；;]{0,10}?已(?:享受|获得|赠送)[^。；;]{0,10}?(?:优惠|补贴|话费|赠送)"),
     Mechanism.REPAY_GIFTS),
    (cached_compile(r"(?:monthly\s+(?:recurring\s+)?charges?|mrcs?|monthly\s+(?:fee|dues|rate|service\s+charge)s?|mmf)\b"
                   r"[^.;]{0,80}?\b(?:multiplied\s+by|times|x)\b[^.;]{0,60}?\bmonths?\b[^.;]{0,20}?\bremaining", regex.I),
     Mechanism.REMAINING_CHARGE),
    # "Monthly fee × remaining months", "the monthly charge multiplied by the number of months left"
    (cached_compile(r"\bmonthly\s+(?:recurring\s+|service\s+|plan\s+|subscription\s+)?(?:charges?|fees?|rates?|dues|payments?)"
                   r"\s*(?:×|x|\*|multiplied\s+by|times)\s*(?:the\s+)?(?:number\s+of\s+)?(?:remaining|outstanding|unexpired)"
                   r"\s+(?:months?|billing\s+(?:months|periods|cycles))", regex.I),
     Mechanism.REMAINING_CHARGE),
    (cached_compile(r"\b(?:for\s+(?:each|every)\s+month\s+remaining|remaining\s+months?\s+(?:of|in|on|under)\s+(?:the|your)\s+"
                   r"(?:\w+\s+)?(?:term|contract|commitment|agreement|plan|subscription|membership))", regex.I),
     Mechanism.REMAINING_CHARGE),
    (cached_compile(r"\b(?:monthly\s+)?(?:charges?|payments?|fees?)\s+(?:left|remaining|due)\s+(?:for|in|until)\s+the\s+(?:rest|remainder|end)\s+of\s+(?:the|your)\b", regex.I),
     Mechanism.REMAINING_CHARGE),
    # "the total remaining monthly charges on the contract", "the charges for the remainder of the
    # Minimum Term", "remaining charges for the minimum term"
    (cached_compile(r"\b(?:total\s+|all\s+)?remaining\s+monthly\s+(?:charges|fees|payments|subscription\s+fees|service\s+fees)\b"
                   r"|\b(?:monthly\s+)?(?:charges|fees|payments)\s+(?:due\s+)?(?:for|over|until)\s+the\s+(?:rest|remainder|balance)\s+of\s+"
                   r"(?:the|your)\s+(?:\w+\s+)?(?:term|contract|agreement|commitment|period)\b"
                   r"|\bremaining\s+(?:monthly\s+)?(?:charges|fees|payments)\s+(?:for|of|on|in|under)\s+(?:the|your)\s+"
                   r"(?:\w+\s+)?(?:term|contract|agreement|commitment|period)\b", regex.I),
     Mechanism.REMAINING_CHARGE),
    (cached_compile(r"\b(?:remaining|outstanding|unpaid)\s+(?:device\s+|equipment\s+|installment\s+)?(?:balance|payments?)\b", regex.I),
     Mechanism.REMAINING_BALANCE),
    (cached_compile(r"\b(?:repay|pay\s+back|refund\s+us)\b[^.;]{0,40}\b(?:credits?|discounts?|promotional)", regex.I),
     Mechanism.REPAY_CREDITS),
]


_MULTIPLE = cached_compile(
    rf"(?:的|之)?\s*(?P<n>\d+(?:\.\d+)?|[{CN_NUM_CHARS}]+)\s*倍"
    r"|\b(?P<w>twice|double|triple|two\s+times|three\s+times|(?P<d>\d+(?:\.\d+)?)\s*(?:times|x)\b)", regex.I)
_MULTIPLE_BASE = cached_compile(
    r"(?:月最低消费|最低消费|保底消费|承诺消费|月租|月费|月基本费|套餐费|月功能费|会费)[^。；;]{0,6}?(?:的|之)?\s*"
    rf"(?:\d+(?:\.\d+)?|[{CN_NUM_CHARS}]+)\s*倍"
    r"|\b(?:twice|double|triple|two\s+times|three\s+times|\d+\s*times)\s+(?:the|your)\s+(?:monthly|minimum|plan|service)", regex.I)
_CAP = cached_compile(r"(?:最高|最多|上限|封顶|不超过|不高于|at\s+most|up\s+to|not\s+(?:to\s+)?exceed(?:ing)?|capped\s+at|maximum\s+of)", regex.I)
_FLOOR = cached_compile(r"(?:最低不少于|不少于|不低于|至少|at\s+least|no\s+less\s+than|minimum\s+of)", regex.I)
_HIGHER_OF = cached_compile(r"孰高|较高者|两者取高|取其高|(?:greater|higher)\s+of|whichever\s+is\s+(?:greater|higher|more)", regex.I)
_WORD_TIMES = {"twice": 2, "double": 2, "triple": 3, "two times": 2, "three times": 3}


def _multiple(text: str) -> float | None:
    m = _MULTIPLE.search(text, timeout=TIMEOUT)
    if not m:
        return None
    if m.group("n"):
        raw = m.group("n")
        v = float(raw) if raw[0].isdigit() else cn_to_int(raw)
        return float(v) if v else None
    if m.group("d"):
        return float(m.group("d"))
    return float(_WORD_TIMES.get(regex.sub(r"\s+", " ", m.group("w").lower()), 0)) or None


def _bound(rx: regex.Pattern[str], text: str) -> int | float | None:
    """The amount right after a cap or floor word ("最高不超过500元", "up to $200")."""
    m = rx.search(text, timeout=TIMEOUT)
    if not m:
        return None
    for v in candidates(text[m.end():m.end() + 24]):
        if v.key == "amount" and v.start <= 8:
            return v.value
    return None


# A fee that is one-off by its name: registration, connection, enrolment, activation, set-up, joining or
# administration fees, and their Chinese names (行政费, 开卡费, 工本费, 报名费…), or one written "one-off".
_ONE_OFF_FEE = cached_compile(
    r"\b(?:one[- ]off|one[- ]time|registration|connection|enrol(?:l?ment)?|activation|set-?up|joining|sign-?up|"
    r"admin(?:istration|istrative)?|application|installation|reconnection|replacement|transfer|cancell?ation|late)\s+"
    r"(?:[\w-]+\s+)?(?:fees?|charges?)\b|"
    r"行政(?:费用?|手续费)|开卡费|工本费|报名费|注册费|入会费|激活费|选号费|补卡费|换卡费|安装费|开户费|手续费|违约金",
    regex.I)


def one_off_period(category: str, text: str, vals: dict[str, Any]) -> None:
    """An extra fee, refund limit or exit fee with an amount and no period (and no formula) is once
    when the clause names a one-off fee ("a one-off compulsory enrolment fee of $45", "收取家长港币500元之行政费用")."""
    if category in ("extra_fees", "refund_restriction", "early_termination_fee") and "amount" in vals \
            and "period" not in vals and "formula" not in vals \
            and _ONE_OFF_FEE.search(text, timeout=TIMEOUT) is not None:
        vals["period"] = "once"


def formula(text: str) -> str | None:
    """The exit-cost formula a clause states in words, or None. Multipliers ("月最低消费额的
    2倍", "twice the monthly charge"), caps ("最高不超过500元"), floors and "whichever is
    higher" are carried into it: "remaining months x monthly minimum spend x 2 (at most 500)"."""
    base = None
    for rx, mech in _FORMULAS:
        if rx.search(text, timeout=TIMEOUT):
            base = mech
            break
    if base is None and _MULTIPLE_BASE.search(text, timeout=TIMEOUT):
        base = Mechanism.MINIMUM_MULTIPLE
    if base is None:
        return None
    out = base.value
    n = _multiple(text)
    if n is not None and n != 1 and not (base.repays or base is Mechanism.REMAINING_BALANCE):
        out += f" x {_clean(n)}"
    cap, floor = _bound(_CAP, text), _bound(_FLOOR, text)
    if cap is not None:
        out += f" (at most {cap})"
    if floor is not None:
        out += f" (at least {floor})"
    if _HIGHER_OF.search(text, timeout=TIMEOUT):
        out += " (whichever is higher)"
    return out


# An exit fee that depends on when you leave: "第1-3个月内解约须支付300元，第4-6个月内支付200元",
# "months 1-6: $200; months 7-12: $100", "cancelling in months 13 to 24 costs $100".
_RANGE_ZH = cached_compile(
    rf"第?\s*(?P<a>\d+|[{CN_NUM_CHARS}]+)\s*(?:-|—|–|~|～|至|到)\s*第?\s*(?P<b>\d+|[{CN_NUM_CHARS}]+)\s*个?(?:月|期)"
    r"[^，。；;\d]{0,16}?(?P<amt>\d+(?:\.\d+)?)\s*元")
_RANGE_EN = cached_compile(
    r"\bmonths?\s+(?P<a>\d+)\s*(?:-|–|—|to|through|thru)\s*(?P<b>\d+)\b[^.;$€£\d]{0,40}?[$€£]\s?(?P<amt>\d+(?:\.\d+)?)"
    r"|[$€£]\s?(?P<amt2>\d+(?:\.\d+)?)[^.;$€£\d]{0,40}?\b(?:in|during|for)\s+months?\s+(?P<a2>\d+)\s*(?:-|–|—|to|through|thru)\s*(?P<b2>\d+)\b",
    regex.I)
# "reduced by $10 for each full month of service", "每满一个月递减10元"
_STEP = cached_compile(
    r"\b(?:goes\s+down|decreases?|declines?|reduces|is\s+reduced|will\s+be\s+reduced|reduced|drops|prorated\s+down)\s+by\s+[$€£]?\s?(?P<en>\d+(?:\.\d+)?)"
    r"\s+(?:for\s+)?(?:each|every|per|a)\s+(?:full\s+|complete(?:d)?\s+)?month"
    r"|每(?:在网|使用)?满?\s*(?:1|一)\s*个?(?:月|期)[^，。；;\d]{0,6}?(?:递减|减少|减收|降低|减免)\s*(?P<zh>\d+(?:\.\d+)?)\s*元",
    regex.I)


def _month_no(s: str) -> int | None:
    return int(s) if s.isdigit() else cn_to_int(s)


def fee_schedule(text: str) -> list[tuple[int, int, float]]:
    """Month ranges and the exit fee in each, in order ([(1, 3, 300.0), (4, 6, 200.0), …]), when a
    clause states at least two; [] otherwise. Ranges must not overlap or run backwards."""
    out: list[tuple[int, int, float]] = []
    for m in _RANGE_ZH.finditer(text, timeout=TIMEOUT):
        a, b = _month_no(m.group("a")), _month_no(m.group("b"))
        if a is not None and b is not None:
            out.append((a, b, float(m.group("amt"))))
    for m in _RANGE_EN.finditer(text, timeout=TIMEOUT):
        a, b = int(m.group("a") or m.group("a2")), int(m.group("b") or m.group("b2"))
        out.append((a, b, float(m.group("amt") or m.group("amt2"))))
    out.sort()
    if len(out) < 2 or any(a > b or a < 1 for a, b, _ in out) or any(
            nxt[0] <= cur[1] for cur, nxt in zip(out, out[1:], strict=False)):
        return []
    return out


def declining_step(text: str) -> float | None:
    """The amount an exit fee goes down by for each month served, or None."""
    m = _STEP.search(text, timeout=TIMEOUT)
    if not m:
        return None
    return float(m.group("en") or m.group("zh"))
