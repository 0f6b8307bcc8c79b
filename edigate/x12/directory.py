"""Which segment IDs X12 defines at all, so that an unknown ID inside a set is told apart.

An AK304 (997) or IK304 (999) answers a segment the walk cannot place with one of three
codes: 1 "Unrecognized segment ID" when the ID is no segment of the X12 segment directory
(a typo, a private Z segment), 6 "Segment not in defined transaction set" when it is a
segment but not one of this set's, 7 "not in proper sequence" when the set has it
elsewhere. The directory below is the segment IDs of the X12 segment directory that
supply chain, transportation, finance and health care sets use, kept by hand; the IDs a set
definition of `edigate.x12.specs` places count as known too.
"""

from __future__ import annotations

__all__ = ["is_segment_id"]

_DIRECTORY = frozenset("""
    AAA ACD ACK ACS ACT ADI ADJ ADV ADX AIN AK1 AK2 AK3 AK4 AK5 AK8 AK9 AMT AT1 AT2 AT3 AT4 AT5 AT6
    AT7 AT8 AT9 B1 B10 B11 B2 B2A B3 B3A B4 BAK BAL BCA BCH BCM BCO BCQ BCT BEG BEP BFN BFR BGF BGN
    BHT BIA BIG BIN BL BLI BLN BMG BNX BOS BPR BPS BQT BR BSC BSI BSN BSR BSS BTA BTI BTP BTR BUY
    BX C2 C3 C4 CAD CB1 CD CDA CDD CDS CED CHK CL1 CLD CLI CLM CLP CM CN1 CR1 CR2 CR3 CR4 CR5 CR6
    CR7 CR8 CRC CS CSH CSI CSM CTB CTC CTP CTT CTX CUR CV DAM DB DD DED DEF DEX DFI DG1 DIS DK DL
    DMA DMG DN1 DN2 DOS DSB DTM DTP E1 E4 E5 E6 E8 EB EC ECS EFI EM EMS ENT EQ EQD ETD F01 F02 F04
    F07 F08 F09 F10 F11 F12 F13 F14 FA1 FA2 FOB FST G01 G05 G18 G20 G22 G23 G25 G26 G27 G28 G29 G30
    G31 G32 G33 G34 G35 G36 G37 G38 G39 G40 G41 G42 G43 G44 G45 G46 G47 G48 G49 G50 G51 G53 G54 G55
    G61 G62 G66 G67 G68 G69 G70 G72 G73 G74 G75 G76 G77 G79 G82 G83 G84 G85 G86 G87 G88 G89 G91 G92
    G93 G94 G95 GE GF GS H1 H2 H3 H4 H5 H6 HAD HCP HCR HD HI HL HLH HSD HSI ICH IEA III IK3 IK4 IK5
    IMM IN1 IN2 INC INT INV IRA ISA ISC ISD ISS IT1 IT3 IT4 IT8 IT9 ITA ITD K1 K2 K3 L0 L1 L10 L11
    L3 L4 L5 L7 LAD LC LDT LE LEP LFH LH1 LH2 LH3 LH4 LH6 LHE LHR LHT LIN LM LN LP LQ LS LUI LX M1
    M10 M11 M12 M13 M14 M15 M2 M3 M7 M7A MAN MEA MIA MIT MOA MPI MS1 MS2 MS3 MSG MTX N1 N10 N11 N12
    N2 N3 N4 N5 N7 N7A N8 N8A N9 NM1 NTE NX1 NX2 OI OID OTI PAL PAM PAT PCT PD PDD PER PID PKD PKG
    PLA PLB PM PO1 PO3 PO4 POC PR PRF PRV PS PS1 PSC PT PWK Q2 Q5 Q7 QTY R2 R4 R9 RCD RDM RED REF
    RMR RPA RTE S5 SAC SBR SCD SCH SDQ SE SHP SI SLN SN1 SN2 SPI SPS SR SS SSS ST STC SV1 SV2 SV3
    SV4 SV5 SV6 SV7 SVC SVD TA1 TAX TC2 TD1 TD3 TD4 TD5 TDS TED TFS TIS TMD TOO TRN TS2 TS3 TSD TSU
    TXI UIT UM UR V1 V9 VEH W01 W02 W03 W04 W05 W06 W07 W08 W09 W10 W12 W13 W14 W15 W17 W19 W20 W27
    W28 W6 W66 W76 W79 WS X1 X2 X4 X7 YNQ
""".split())


def is_segment_id(segment_id: str, set_ids: frozenset[str] = frozenset()) -> bool:
    """Whether ``segment_id`` is a segment of the X12 directory (or of ``set_ids``, the set's own)."""
    return segment_id in _DIRECTORY or segment_id in set_ids
