"""Small interchanges for the validator's tests: one 850 around the segments a test gives."""

from __future__ import annotations

__all__ = ["GOOD", "ISA4", "ISA5", "interchange"]


ISA4 = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*EDIGATE        *261126*1200*U*00401*"
        "000000042*0*P*>~")


ISA5 = ISA4.replace("*U*00401*", "*^*00501*")


GOOD = ["BEG*00*SA*PO123**20261126", "N1*ST*STORE 12*92*0012", "PO1*1*10*EA*2.50*PE*UP*012345678905",
        "CTT*1"]


def interchange(body: list[str], *, version: str = "004010", set_id: str = "850", fid: str = "PO") -> bytes:
    isa = ISA5 if version.startswith("005") else ISA4
    segs = [f"ST*{set_id}*0001", *body, f"SE*{len(body) + 2}*0001"]
    text = isa + f"GS*{fid}*SENDER*EDIGATE*20261126*1200*7*X*{version}~" + "~".join(segs) + "~GE*1*7~IEA*1*000000042~"
    return text.encode()
