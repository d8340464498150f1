"""scripts/sweep.py: a sweep of phrasings is scored passage by passage (recall, negatives fired)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SWEEP = Path(__file__).resolve().parents[2] / "scripts" / "sweep.py"


def _run(tmp_path: Path, items: list[dict], *args: str) -> subprocess.CompletedProcess[str]:
    f = tmp_path / "phrases.jsonl"
    f.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    return subprocess.run([sys.executable, str(SWEEP), str(f), *args], capture_output=True, text=True, timeout=120)


def test_sweep_counts_found_passages_and_fired_negatives(tmp_path: Path) -> None:
    items = [
        {"text": "因本协议产生的争议，双方协商不成的，任何一方均可向乙方所在地人民法院提起诉讼。", "expect": "dispute_resolution"},
        {"text": "本套餐合约期为24个月，合约期内甲方不得办理销户或携号转网。", "expect": "lock_in"},
        {"text": "本套餐合约期为24个月，合约期内甲方不得办理销户或携号转网。", "expect": "none:lock_in"},
        {"text": "如何取消？", "expect": "none:auto_renewal"},
    ]
    out = _run(tmp_path, items, "--fails")
    assert out.returncode == 0, out.stderr
    lines = {ln.split()[0]: ln.split() for ln in out.stdout.splitlines() if ln.strip()}
    assert lines["dispute_resolution"][1] == "1/1"
    assert lines["lock_in"][1:4] == ["1/1", "1.00", "1/1"]      # the negative fired: counted and listed
    assert "expect none:lock_in" in out.stdout
    assert "1 passage(s) too short to scan" in out.stdout


def test_sweep_refuses_an_unknown_category(tmp_path: Path) -> None:
    out = _run(tmp_path, [{"text": "随便一句足够长的话，用来检查类别名称是否有效。", "expect": "no_such_thing"}])
    assert out.returncode != 0
    assert "needs 'text' and 'expect'" in out.stderr
