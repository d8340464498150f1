"""How to get out and get money back: the refund scenarios that apply, what to prepare, the
channels (operator, payment, agreement), the regulators to escalate to, and a request to send."""
from __future__ import annotations

import re
from typing import Any

from .facts import (
    _NONREF,
    Facts,
    _by,
    _money,
    _paid_word,
    _quote,
    _ref,
    _same,
    _srcs,
    _uniq,
)
from .messages import concat, join, msg
from .model import (
    Channel,
    Escalation,
    Scenario,
    Source,
    Text,
    WayOut,
)

# ---------------------------------------------------------------------------------------------
# way out

_OPERATORS = [
    ("mobile", re.compile(r"中国移动|中移动|移动公司|移动APP|移动营业厅|10086"), "10086", "中国移动APP", "China Mobile app"),
    ("unicom", re.compile(r"中国联通|联通"), "10010", "中国联通APP", "China Unicom app"),
    ("telecom", re.compile(r"中国电信|电信公司|电信APP|电信营业厅|天翼|10000号"), "10000", "中国电信APP", "China Telecom app"),
    ("broadnet", re.compile(r"中国广电|广电"), "10099", "中国广电APP", "China Broadnet app"),
]
_OPERATOR_WEAK = [("mobile", re.compile(r"移动(?!电话|通信|网络|互联网|设备|终端|支付|端|号码)")), ("telecom", re.compile(r"(?<![^\s，。、（(])电信(?!业务|服务|用户|条例|网络|设施|管理|法规)"))]

_REGULATORS = [
    (r"\bFCC\b|Federal Communications Commission", "FCC", "Federal Communications Commission (FCC)"),
    (r"\bFTC\b|Federal Trade Commission", "FTC", "Federal Trade Commission (FTC)"),
    (r"\bOfcom\b", "Ofcom", "Ofcom"),
    (r"Ombudsman Services", "Ombudsman Services", "Ombudsman Services"),
    (r"Communications Ombudsman", "Communications Ombudsman", "Communications Ombudsman"),
    (r"Energy Ombudsman", "Energy Ombudsman", "Energy Ombudsman"),
    (r"\bCISAS\b", "CISAS", "CISAS"),
    (r"\bCRU\b|Commission for Regulation of Utilities", "CRU", "Commission for Regulation of Utilities (CRU)"),
    (r"\bComReg\b", "ComReg", "ComReg"),
    (r"\bACCC\b", "ACCC", "Australian Competition and Consumer Commission (ACCC)"),
    (r"\bTIO\b|Telecommunications Industry Ombudsman", "TIO", "Telecommunications Industry Ombudsman (TIO)"),
    (r"\bCRTC\b", "CRTC", "CRTC"),
    (r"\bCCTS\b", "CCTS", "Commission for Complaints for Telecom-television Services (CCTS)"),
    (r"Public (Utilities|Utility|Service) Commission", "Public Utilities Commission", "your state Public Utilities / Service Commission"),
    (r"Attorney General", "Attorney General", "your state Attorney General (consumer protection)"),
    (r"Better Business Bureau|\bBBB\b", "BBB", "Better Business Bureau (BBB)"),
    (r"Citizens Advice", "Citizens Advice", "Citizens Advice"),
]
_TELECOM_ZH = re.compile(r"号卡|流量卡|入网|话费|宽带|携号转网|运营商|通信|手机号|号码|套餐")


def _channels(F: Facts) -> list[Channel]:
    text = F.text
    out: list[Channel] = []
    counts = [(len(rx.findall(text)), key, hot, app_zh, app_en) for key, rx, hot, app_zh, app_en in _OPERATORS]
    found = [c for c in counts if c[0]]
    if not found:
        weak = {k: len(rx.findall(text)) for k, rx in _OPERATOR_WEAK}
        found = [c for c in counts if weak.get(c[1])]
    for _, _key, hot, app_zh, app_en in sorted(found, key=lambda c: -c[0])[:3]:
        out.append(Channel(hot, "hotline", "operator"))
        out.append(Channel(app_zh if F.lang == "zh" else app_en, "app", "operator"))
    seen = {c.name for c in out}

    def add(name: str, kind: str) -> None:
        name = name.strip().rstrip(".,;)")
        if name and name not in seen and len([c for c in out if c.source == "agreement"]) < 6:
            seen.add(name)
            out.append(Channel(name, kind, "agreement"))

    for m in re.finditer(r"(?:拨打|致电|热线|客服电话|服务电话|电话|call|phone|hotline|telephone|at)[^\d\n]{0,12}((?:\+?\d[\d\- ]{3,14}\d)|1-8\d{2}-[A-Z0-9\-]{7,9})", text, re.I):
        num = m.group(1).strip()
        digits = re.sub(r"\D", "", num)
        if (len(digits) >= 7 or (len(digits) == 5 and digits[0] in "19")) and len(digits) <= 13 \
                and not re.fullmatch(r"\d{2}-\d{2}-\d{2,4}", num):
            add(num, "hotline")
    for email in find_emails(text):
        add(email, "email")
    for m in re.finditer(r"https?://[A-Za-z0-9./:_\-?=&%#~+]+|(?<![\w@.])www\.[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+[A-Za-z0-9./_\-?=&%#~+]*", text):
        add(m.group(0), "web")
    if F.product == "subscription":
        # an automatic renewal is also stopped where it is paid: the app store or the payment app
        for zh, en in (("App Store：设置 → Apple ID → 订阅", "App Store: Settings → Apple ID → Subscriptions"),
                       ("安卓应用商店 / Google Play 的订阅管理", "Google Play or the Android store: Subscriptions"),
                       ("支付宝：我的 → 设置 → 支付设置 → 免密支付/自动扣款", "Alipay: Me → Settings → Payment settings → Auto-deduction"),
                       ("微信：我 → 服务 → 钱包 → 支付设置 → 自动续费", "WeChat: Me → Services → Wallet → Payment settings → Auto-renewal")):
            if F.lang == "en" and ("Alipay" in en or "WeChat" in en):
                continue
            out.append(Channel(zh if F.lang == "zh" else en, "app", "payment"))
    return out


_EMAIL_LOCAL = re.compile(r"[\w.+-]{1,64}$")
_EMAIL_DOMAIN = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")


def find_emails(text: str) -> list[str]:
    """The e-mail addresses in ``text``, in linear time: each '@' is expanded to the left over
    at most 64 address characters and to the right over at most a 9-label domain. (The plain
    regex ``[\\w.+-]+@…`` tries every start in a long run of letters: quadratic, 29 s at
    100,000 characters.)"""
    out: list[str] = []
    at = text.find("@")
    while at != -1:
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1, min(len(text), at + 1 + 600))
        if local and domain:
            out.append(local.group(0) + "@" + domain.group(0))
        at = text.find("@", at + 1)
    return out


def _escalation(F: Facts) -> list[Escalation]:
    text = F.text
    out: list[Escalation] = []
    if F.lang == "zh" or re.search(r"[\u4e00-\u9fff]{20}", text[:5000]):
        operator = any(rx.search(text) for _, rx, *_ in _OPERATORS)
        telecom = operator or len(_TELECOM_ZH.findall(text)) >= 3
        if telecom:
            out.append(Escalation("12300", msg("wayout.escalation.miit")))
        if F.product == "membership":
            out.append(Escalation("12315", msg("wayout.escalation.prepaid")))
        elif not telecom or re.search(r"本店|店铺|商家|商品|平台|卖家|淘宝|京东|拼多多", text):
            out.append(Escalation("12315", msg("wayout.escalation.market")))
        return out
    for rx, name, full in _REGULATORS:
        if re.search(rx, text):
            out.append(Escalation(name, msg("wayout.escalation.regulator", regulator=full)))
    if not out:
        out.append(Escalation("consumer-protection", msg("wayout.escalation.consumer_protection")))
    return out


_NOT_ACT = re.compile(r"未激活|未开卡|未开课|未使用|未开通|未拆封|签收后\s*\d+\s*[日天]内|\d+\s*[日天]内|无理由|冷静期|not (been )?activated|before (activation|it is activated)|within \d+ (business )?days|cooling[- ]off|unused", re.I)
_ACTIVATED = re.compile(r"已激活|激活后|已开卡|开卡后|已开课|开课后|首充|充值|一经(开通|售出|激活)|activated|after activation|once (activated|you)|top[- ]?up", re.I)
_USED = re.compile(r"销户|离网|退网|提前|解约|拆机|退卡|剩余|余额|partial|remaining|cancel|terminat|prorat|unused portion", re.I)


def _rule_text(F: Facts, fs: list[Any], none: Text, lead: Text) -> tuple[Text, tuple[Source, ...]]:
    """What the agreement says about one refund scenario (``none`` when it says nothing)."""
    fs = _uniq(fs)
    if not fs:
        return none, ()
    rules = join("sep.semicolon", (msg("wayout.rule.quote", ref=_ref(F.text, f), quote=_quote(f, 60)) for f in fs[:3]))
    return msg("wayout.rule.text", lead=lead, rules=rules), _srcs(fs[:3])


def _scenarios(F: Facts, acts: list[Any]) -> tuple[tuple[Scenario, ...], list[Any]]:
    """The three refund scenarios (not activated, activated but unused, used) and the clauses
    about the first (``na``, which the request cites)."""
    rules = F.refunds + _by(F.findings, "balance_expiry")
    prot = [p for p in F.protections if p.category in ("refund_restriction", "early_termination_fee", "lock_in")]
    na = [f for f in rules + prot if _NOT_ACT.search(f.evidence)]
    au = [f for f in rules if _ACTIVATED.search(f.evidence) and f not in na]
    if acts and any(_same(acts[0], f) for f in au):
        au = [f for f in au if not _same(acts[0], f)]
        au_lead_only = not au
    else:
        au_lead_only = False
    used = [f for f in rules + F.etfs + prot if _USED.search(f.evidence) and f not in na and f not in au]
    says = msg("wayout.agreement_says")
    t1, s1 = _rule_text(F, na, msg("wayout.not_activated.none"), says)
    check = msg("wayout.check_activation", ref=_ref(F.text, acts[0]), quote=_quote(acts[0], 40)) if acts else ""
    if au_lead_only and _NONREF.search(acts[0].evidence):
        none = msg("wayout.activated_unused.none_not_refundable", check=check)
    else:
        none = msg("wayout.activated_unused.none", check=check)
    t2, s2 = _rule_text(F, au, none, concat(check, says))
    if acts:
        s2 = _srcs(list(s2) + acts[:1])
    t3, s3 = _rule_text(F, used, msg("wayout.used.none"), says)
    scenarios = (Scenario("not_activated", None, t1, s1), Scenario("activated_unused", None, t2, s2), Scenario("used", None, t3, s3))
    return scenarios, na


_ACCOUNT = {
    "mobile": "wayout.prepare.account.mobile",
    "broadband": "wayout.prepare.account.broadband",
    "membership": "wayout.prepare.account.membership",
    "subscription": "wayout.prepare.account.subscription",
}


def _prepare(F: Facts) -> list[Text]:
    """What to have at hand before asking for the money back."""
    account = _ACCOUNT.get(F.product, "wayout.prepare.account.service")
    mobile = F.product == "mobile"
    return [
        msg("wayout.prepare.id"),
        msg(account),
        msg("wayout.prepare.payments.mobile") if mobile else msg("wayout.prepare.payments.service"),
        msg("wayout.prepare.adverts.mobile") if mobile else msg("wayout.prepare.adverts.service"),
        msg("wayout.prepare.agreement"),
    ]


def _request(F: Facts, acts: list[Any], na: list[Any]) -> Text:
    """The request to send, citing the clauses it rests on and the amount paid."""
    ta, tf = F.topup()
    cite = _uniq(acts[:1] + (na or F.nonref_topup())[:1] + (F.refunds if not na else [])[:1])[:3]
    cites = (join("sep.semicolon", (msg("wayout.request.cite", ref=_ref(F.text, f), quote=_quote(f, 50)) for f in cite)) if cite
             else msg("wayout.request.cites_none"))
    paid = _paid_word([tf] if tf is not None else [])
    amount = (msg("wayout.request.amount", paid=paid, amount=_money(ta, F.currency)) if ta is not None
              else msg("wayout.request.amount_unknown"))
    return msg("wayout.request.text", cites=cites, amount=amount)


def way_out(F: Facts) -> WayOut:
    acts = F.activation_by_topup() or F.acts
    scenarios, na = _scenarios(F, acts)
    prepare = _prepare(F)
    request = _request(F, acts, na)
    return WayOut(scenarios, tuple(prepare), tuple(_channels(F)), tuple(_escalation(F)), request)


