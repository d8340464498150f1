"""How to get out and get money back: the refund scenarios that apply, what to prepare, the
channels (operator, payment, agreement), the regulators to escalate to, and a request to send."""
from __future__ import annotations

import re
from typing import Any

from .facts import (
    _NONREF,
    Facts,
    _by,
    _money_en,
    _money_zh,
    _paid_word,
    _quote,
    _ref,
    _same,
    _srcs,
    _t,
    _uniq,
)
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
            out.append(Escalation("12300", _t(
                "先向运营商投诉（客服热线或APP）；运营商未解决或对处理结果不满意的，可向工业和信息化部电信用户申诉受理中心申诉（电话12300或其网站），申诉时附上与运营商沟通的记录。",
                "Complain to the operator first (hotline or app); if it is not resolved or you disagree with the outcome, appeal to the MIIT Telecom User Complaint Center (12300, by phone or its website), with the record of your contact with the operator.")))
        if F.product == "membership":
            out.append(Escalation("12315", _t(
                "预付式消费（会员卡、课程、健身、美容等）：商家停业、跑路或拒不退费的，可向市场监督管理部门（12315）和当地商务主管部门投诉；"
                "付款时保留合同、收据和宣传材料，尽量不要一次预付过长期限或过大金额。",
                "Prepaid memberships (cards, courses, gyms, beauty): if the business closes or refuses a refund, complain to the market "
                "regulator (12315) and the local commerce bureau; keep the contract, receipts and adverts, and avoid prepaying long periods or large sums.")))
        elif not telecom or re.search(r"本店|店铺|商家|商品|平台|卖家|淘宝|京东|拼多多", text):
            out.append(Escalation("12315", _t(
                "商家（会员、课程、健身、预付卡、网店等）不处理的，可通过全国12315平台或拨打12315向市场监督管理部门投诉，附上合同、付款记录和沟通记录。",
                "If the seller (membership, course, gym, prepaid card, online shop) does not resolve it, complain to the market regulator through the national 12315 platform or by calling 12315, with the contract, payment record and correspondence.")))
        return out
    for rx, name, full in _REGULATORS:
        if re.search(rx, text):
            out.append(Escalation(name, _t(f"协议中提到的{full}：先向服务方正式投诉，未解决的可向其投诉。",
                                           f"{full}, named in the agreement: complain to the provider formally first, then to them if it is not resolved.")))
    if not out:
        out.append(Escalation("consumer-protection", _t(
            "先向服务方正式投诉并保留记录；未解决的，可向所在国家/地区的消费者保护机构或通信监管机构投诉。",
            "Complain formally to the provider first and keep a record; if it is not resolved, go to your national consumer protection authority (or the telecom regulator for phone and internet service).")))
    return out


_NOT_ACT = re.compile(r"未激活|未开卡|未开课|未使用|未开通|未拆封|签收后\s*\d+\s*[日天]内|\d+\s*[日天]内|无理由|冷静期|not (been )?activated|before (activation|it is activated)|within \d+ (business )?days|cooling[- ]off|unused", re.I)
_ACTIVATED = re.compile(r"已激活|激活后|已开卡|开卡后|已开课|开课后|首充|充值|一经(开通|售出|激活)|activated|after activation|once (activated|you)|top[- ]?up", re.I)
_USED = re.compile(r"销户|离网|退网|提前|解约|拆机|退卡|剩余|余额|partial|remaining|cancel|terminat|prorat|unused portion", re.I)


def _rule_text(F: Facts, fs: list[Any], none_zh: str, none_en: str, lead_zh: str = "", lead_en: str = "") -> tuple[Text, tuple[Source, ...]]:
    fs = _uniq(fs)
    if not fs:
        return _t(none_zh, none_en), ()
    zh = "；".join(f"{_ref(F.text, f)['zh']}：“{_quote(f, 60)}”" for f in fs[:3])
    en = "; ".join(f"{_ref(F.text, f)['en']}: \"{_quote(f, 60)}\"" for f in fs[:3])
    return _t(f"{lead_zh}{zh}。", f"{lead_en}{en}."), _srcs(fs[:3])


def way_out(F: Facts) -> WayOut:
    rules = F.refunds + _by(F.findings, "balance_expiry")
    prot = [p for p in F.protections if p.category in ("refund_restriction", "early_termination_fee", "lock_in")]
    na = [f for f in rules + prot if _NOT_ACT.search(f.evidence)]
    acts = F.activation_by_topup() or F.acts
    au = [f for f in rules if _ACTIVATED.search(f.evidence) and f not in na]
    if acts and any(_same(acts[0], f) for f in au):
        au = [f for f in au if not _same(acts[0], f)]
        au_lead_only = not au
    else:
        au_lead_only = False
    used = [f for f in rules + F.etfs + prot if _USED.search(f.evidence) and f not in na and f not in au]
    t1, s1 = _rule_text(F, na, "协议没有写明未激活/未使用时的退款规则：可以要求全额退款，并请对方说明依据。",
                        "The agreement does not say what happens before activation or use: ask for a full refund and ask which clause they rely on.",
                        "协议写明：", "The agreement says: ")
    lead_zh = f"先确认是否已算“激活”（{_ref(F.text, acts[0])['zh']}：“{_quote(acts[0], 40)}”）。" if acts else ""
    lead_en = f"First check whether it already counts as activated ({_ref(F.text, acts[0])['en']}: \"{_quote(acts[0], 40)}\"). " if acts else ""
    if au_lead_only and _NONREF.search(acts[0].evidence):
        none_zh = lead_zh + "该条同时写明这笔钱不退：按协议，激活后难以退回；可以要求对方说明能否退还未使用的余额。"
        none_en = lead_en + "The same clause says the money is not refundable: under the agreement it is hard to get back once activated; ask whether the unused balance can be returned."
    else:
        none_zh = lead_zh + "协议没有写明激活后未使用时能否退款：可以要求退还未使用的款项。"
        none_en = lead_en + "The agreement does not say whether you get money back after activation if you have not used it: ask for the unused amount back."
    t2, s2 = _rule_text(F, au, none_zh, none_en, lead_zh + "协议写明：", lead_en + "The agreement says: ")
    if acts:
        s2 = _srcs(list(s2) + acts[:1])
    t3, s3 = _rule_text(F, used, "协议没有写明使用后离开的退款或费用规则：询问余额能否退还、是否有违约金。",
                        "The agreement does not state refunds or fees for leaving after use: ask whether the balance is refunded and whether any fee applies.",
                        "协议写明：", "The agreement says: ")
    scenarios = (Scenario("not_activated", None, t1, s1), Scenario("activated_unused", None, t2, s2), Scenario("used", None, t3, s3))
    what = {
        "mobile": _t("号卡照片及手机号码/卡号", "A photo of the SIM card and the phone number / card number"),
        "broadband": _t("宽带账号/合同编号，以及设备（光猫、机顶盒）的照片", "The account or contract number, and a photo of the equipment (modem, set-top box)"),
        "membership": _t("会员卡/合同编号及照片", "The membership card or contract number, with a photo"),
        "subscription": _t("账号及订单号、扣费记录截图", "Your account and order number, with screenshots of the charges"),
    }.get(F.product, _t("账号或订单号、合同编号", "Your account, order or contract number"))
    prepare = [
        _t("身份证（办理人本人）", "Your ID (the account holder's)"),
        what,
        _t("付款记录（首充、预存、订单支付截图或账单）", "Payment records (first top-up, prepayment, order receipt or bill)")
        if F.product == "mobile" else _t("付款记录（订单支付截图、扣费记录或账单）", "Payment records (order receipt, charges or bill)"),
        _t("广告页面和下单页面的截图（含宣传的价格、流量、“无合约”等说法）", "Screenshots of the advert and the order page (the advertised price, data, 'no contract' claims)")
        if F.product == "mobile" else _t("广告页面和下单页面的截图（含宣传的价格、权益和“随时可退”等说法）",
                                          "Screenshots of the advert and the order page (the advertised price, what is included, 'cancel anytime' claims)"),
        _t("协议全文（保存下单时的版本）及与客服的聊天/通话记录", "The full agreement as it was when you ordered, and your chats or calls with customer service"),
    ]
    # the request text
    cur = F.currency
    ta, tf = F.topup()
    cite = _uniq(acts[:1] + (na or F.nonref_topup())[:1] + (F.refunds if not na else [])[:1])[:3]
    cites_zh = "；".join(f"{_ref(F.text, f)['zh']}“{_quote(f, 50)}”" for f in cite) or "协议相关条款"
    cites_en = "; ".join(f"{_ref(F.text, f)['en']} (\"{_quote(f, 50)}\")" for f in cite) or "the relevant clauses of the agreement"
    wz, we = _paid_word([tf] if tf is not None else [])
    amt_zh = f"{wz}{_money_zh(ta, cur)}" if ta is not None else "已付款项【金额】元"
    amt_en = f"the {we} of {_money_en(ta, cur)}" if ta is not None else "the amount I paid, [amount]"
    request = _t(
        f"您好。我于【办理日期】办理了【号码/卡号/订单号】，目前状态为【未激活/已激活未使用/已使用】。"
        f"根据协议{cites_zh}，现申请取消该业务并退还{amt_zh}。请在【5】个工作日内书面答复可退金额、退款方式和到账时间；"
        f"如不能退还，请说明所依据的具体条款。我已保留付款记录、广告及下单页面截图。联系人：【姓名】，电话：【电话】。",
        f"Hello. On [date] I signed up for [number / card / order number]; its status is [not activated / activated but unused / used]. "
        f"Under {cites_en} of the agreement, I ask you to cancel it and refund {amt_en}. Please reply in writing within [5] working days with the "
        f"amount you will refund, how and when; if you will not refund it, please name the clause you rely on. I have kept the payment records and screenshots "
        f"of the advert and order page. Name: [name], phone: [phone].")
    return WayOut(scenarios, tuple(prepare), tuple(_channels(F)), tuple(_escalation(F)), request)


