"""The clause categories of ../shared/TAXONOMY.md: ids, severities and plain names.

The ids are the contract between patterns, reports and the gold data: add, never rename.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    id: str
    severity: str
    zh: str
    en: str
    meaning_zh: str
    meaning_en: str


CATEGORIES: dict[str, Category] = {c.id: c for c in [
    Category("minimum_spend", "high", "最低消费", "Minimum spend",
             "无论是否使用，每月（或每期）都要支付一笔最低费用。",
             "A monthly (or periodic) charge is owed whether or not you use the service."),
    Category("lock_in", "high", "合约期/在网期限", "Lock-in",
             "你承诺在一段最短期限内不能离网、销户或转网。",
             "You commit to stay for a minimum term, or must keep the number active to keep a benefit."),
    Category("early_termination_fee", "high", "提前解约费用", "Early termination fee",
             "提前离网、销户或携号转网要付钱：违约金、退还优惠或按剩余月份收费。",
             "Leaving early costs money: a penalty, repaying gifts or discounts, or the remaining months."),
    Category("activation_definition", "high", "激活/生效的认定", "What counts as activation",
             "规定什么时候算“已激活/已生效”，它决定适用哪条退款规则。",
             "Defines when the service counts as activated, which decides which refund rules apply."),
    Category("refund_restriction", "high", "退款限制", "Refund restriction",
             "已付的钱（首充、预存、费用）不退、只退一部分，或只在限定条件/期限内可退。",
             "Money paid is not refundable, only partly refundable, or only within a window or condition."),
    Category("installment_credit", "high", "分期返还的赠送", "Credit paid in instalments",
             "赠送的话费/返现按月分期到账，中途离网或违约则停止返还或被收回。",
             "Gifted credit or cashback is paid out monthly and stops or is clawed back if you leave."),
    Category("promo_price_expiry", "high", "优惠价到期", "Promotional price ends",
             "宣传的价格或权益只在优惠期内有效，之后按更高的标准资费收费。",
             "The advertised price holds only for an introductory period, then a higher price applies."),
    Category("auto_renewal", "high", "自动续约/续费", "Automatic renewal",
             "合约、套餐或会员到期自动续订并扣费，除非你主动取消。",
             "The contract, plan or membership renews and charges automatically unless you cancel."),
    Category("data_cap_throttle", "medium", "限速/封顶", "Data cap or throttling",
             "“不限量”或流量包实际有上限：超过一定用量会降速或停用。",
             "'Unlimited' or a quota is limited: speed is reduced after a threshold, or use is capped."),
    Category("directional_data", "medium", "定向流量", "App-only data",
             "部分流量只能在指定APP或地区使用，不是通用流量。",
             "Part of the data only works in named apps or regions, not as general data."),
    Category("unilateral_change", "medium", "单方变更", "Changes at the provider's will",
             "运营商/商家可以单方调整资费、套餐或条款，往往只需公告。",
             "The provider may change prices, plans or terms on its own, often by notice only."),
    Category("balance_expiry", "medium", "余额/赠送过期", "Balance expiry",
             "余额、赠送话费或积分会过期清零，或不能转让、退还。",
             "Balance, gifted credit or points expire, are cleared, or cannot be transferred or refunded."),
    Category("suspension_recycling", "medium", "停机与号码回收", "Suspension and number recycling",
             "欠费或不使用会被停机，号码/账户可能被注销回收。",
             "Service is suspended for arrears or inactivity; the number or account can be cancelled and reused."),
    Category("extra_fees", "medium", "额外费用", "Extra fees",
             "广告价格之外还有费用：卡费、激活费、选号费、服务费、滞纳金等。",
             "Fees beyond the advertised price: card, activation, number, service, late or admin fees."),
    Category("dispute_resolution", "medium", "争议解决", "Dispute resolution",
             "争议须提交仲裁或指定法院/法律，或放弃集体诉讼。",
             "Disputes go to binding arbitration, a chosen court or law, or you waive class actions."),
    Category("consent_by_use", "low", "使用即同意", "Consent by use",
             "使用、激活或充值即视为接受全部条款。",
             "Using, activating or topping up counts as accepting the terms."),
    Category("liability_limitation", "low", "免责/责任限制", "Limited liability",
             "服务方限制或免除自己的责任。",
             "The provider limits or excludes its own liability."),
    Category("data_sharing", "low", "个人信息共享", "Data sharing",
             "个人信息会提供给合作方或第三方，或用于营销。",
             "Personal data is shared with partners or third parties, or used for marketing."),
    Category("unilateral_termination", "low", "单方终止", "Termination at the provider's will",
             "服务方可自行决定暂停或终止服务。",
             "The provider may suspend or terminate the service at its discretion."),
]}

SEVERITIES = ("low", "medium", "high")
VALUE_KEYS = ("amount", "currency", "period", "months", "days", "percent", "data_gb",
              "speed_kbps", "formula")

# The value keys a clause of each category can state (TAXONOMY.md): a finding gets every one
# the clause states, whichever pattern fired.
CATEGORY_VALUES: dict[str, tuple[str, ...]] = {
    "minimum_spend": ("amount", "currency", "period", "months"),  # "保底时间12个月": how long it binds
    "lock_in": ("months", "days"),
    "early_termination_fee": ("amount", "currency", "period", "percent", "formula", "months", "days"),
    "activation_definition": ("days", "months", "amount", "currency", "period"),  # "首充50元", "within 30 days"
    "refund_restriction": ("amount", "currency", "days", "percent", "months"),
    "installment_credit": ("amount", "currency", "period", "months", "days"),  # "credits begin within 30 days"
    "promo_price_expiry": ("months", "amount", "currency", "period", "days"),
    "auto_renewal": ("months", "days", "amount", "currency", "period"),
    "data_cap_throttle": ("data_gb", "speed_kbps", "amount", "currency", "period", "days"),  # "1GB in 5 days"
    "directional_data": ("data_gb",),
    "balance_expiry": ("days", "months", "amount", "currency"),
    "suspension_recycling": ("days", "months"),
    "extra_fees": ("amount", "currency", "period", "percent", "days"),  # "a late fee once 30 days overdue"
    "unilateral_change": ("days", "months", "amount", "currency", "percent"),  # the notice period; a built-in rise
    "liability_limitation": ("amount", "currency", "months", "days"),  # a cap: "$100", "fees paid in the 12 months before"; a claim window
    "dispute_resolution": ("days", "months"),  # an opt-out or notice window
    "unilateral_termination": ("days", "months"),  # the notice given; an idle account closed after a year
    "consent_by_use": ("days",),  # "if you keep using the service for 30 days after the change"
}
