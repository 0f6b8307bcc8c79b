"""X12 acknowledgment code lists, with the words a specialist reads beside each code.

TA1 note codes are data element I18; AK9 codes element 716; AK5/IK5 codes element 717;
AK3/IK3 codes element 720 (IK3 adds the ``I`` implementation codes); AK4/IK4 codes 723.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

__all__ = ["AK3", "AK4", "AK5", "AK9", "TA1", "describe"]

TA1: Mapping[str, str] = MappingProxyType({
    "000": "No error",
    "001": "Interchange control numbers in ISA13 and IEA02 do not match",
    "002": "This standard (ISA11 control standards identifier) is not supported",
    "003": "This version of the controls (ISA12) is not supported",
    "004": "The segment terminator is invalid",
    "005": "Invalid interchange ID qualifier for the sender (ISA05)",
    "006": "Invalid interchange sender ID (ISA06)",
    "007": "Invalid interchange ID qualifier for the receiver (ISA07)",
    "008": "Invalid interchange receiver ID (ISA08)",
    "009": "Unknown interchange receiver ID",
    "010": "Invalid authorization information qualifier (ISA01)",
    "011": "Invalid authorization information (ISA02)",
    "012": "Invalid security information qualifier (ISA03)",
    "013": "Invalid security information (ISA04)",
    "014": "Invalid interchange date (ISA09)",
    "015": "Invalid interchange time (ISA10)",
    "016": "Invalid interchange standards identifier (ISA11)",
    "017": "Invalid interchange version ID (ISA12)",
    "018": "Invalid interchange control number (ISA13)",
    "019": "Invalid acknowledgment requested value (ISA14)",
    "020": "Invalid test indicator (ISA15)",
    "021": "Invalid number of included groups (IEA01)",
    "022": "Invalid control structure",
    "023": "Improper (premature) end of file: the interchange is not closed by IEA",
    "024": "Invalid interchange content (for example an invalid GS segment)",
    "025": "Duplicate interchange control number",
    "026": "Invalid data element separator",
    "027": "Invalid component element separator",
    "028": "Invalid delivery date in deferred delivery request",
    "029": "Invalid delivery time in deferred delivery request",
    "030": "Invalid delivery time code in deferred delivery request",
    "031": "Invalid grade of service code",
})

AK9: Mapping[str, str] = MappingProxyType({
    "1": "Functional group not supported",
    "2": "Functional group version not supported",
    "3": "Functional group trailer (GE) missing",
    "4": "Group control number in GS06 and GE02 do not agree",
    "5": "Number of included transaction sets (GE01) does not match the actual count",
    "6": "Group control number violates syntax",
    "10": "Authentication key name unknown",
    "11": "Encryption key name unknown",
    "12": "Requested service (authentication or encryption) not available",
    "13": "Unknown security recipient",
    "14": "Unknown security originator",
    "15": "Syntax error in decrypted text",
    "16": "Security not supported",
    "17": "Incorrect message length (encryption only)",
    "18": "Message authentication code failed",
    "19": "Functional group control number not unique within the interchange",
    "23": "S3E security end segment missing for S3S security start segment",
    "24": "S3S security start segment missing for S3E security end segment",
    "25": "S4E security end segment missing for S4S security start segment",
    "26": "S4S security start segment missing for S4E security end segment",
})

AK5: Mapping[str, str] = MappingProxyType({
    "1": "Transaction set not supported",
    "2": "Transaction set trailer (SE) missing",
    "3": "Transaction set control numbers in ST02 and SE02 do not match",
    "4": "Number of included segments (SE01) does not match the actual count",
    "5": "One or more segments in error",
    "6": "Missing or invalid transaction set identifier (ST01)",
    "7": "Missing or invalid transaction set control number (ST02)",
    "8": "Authentication key name unknown",
    "9": "Encryption key name unknown",
    "10": "Requested service (authentication or encryption) not available",
    "11": "Unknown security recipient",
    "12": "Incorrect message length (encryption only)",
    "13": "Message authentication code failed",
    "15": "Unknown security originator",
    "16": "Syntax error in decrypted text",
    "17": "Security not supported",
    "18": "Transaction set not in functional group",
    "19": "Invalid transaction set implementation convention reference (ST03)",
    "23": "Transaction set control number not unique within the functional group",
    "24": "S3E security end segment missing for S3S security start segment",
    "25": "S3S security start segment missing for S3E security end segment",
    "26": "S4E security end segment missing for S4S security start segment",
    "27": "S4S security start segment missing for S4E security end segment",
    "I5": "Implementation: one or more segments in error",
    "I6": "Implementation convention not supported",
})

AK3: Mapping[str, str] = MappingProxyType({
    "1": "Unrecognized segment ID",
    "2": "Unexpected segment",
    "3": "Required (mandatory) segment missing",
    "4": "Loop occurs over its maximum times",
    "5": "Segment exceeds its maximum use",
    "6": "Segment not in the defined transaction set",
    "7": "Segment not in proper sequence",
    "8": "Segment has data element errors",
    "I4": "Implementation 'not used' segment present",
    "I6": "Implementation dependent segment missing",
    "I7": "Implementation loop occurs under its minimum times",
    "I8": "Implementation segment below its minimum use",
    "I9": "Implementation dependent 'not used' segment present",
})

AK4: Mapping[str, str] = MappingProxyType({
    "1": "Required (mandatory) data element missing",
    "2": "Conditional required data element missing",
    "3": "Too many data elements",
    "4": "Data element too short",
    "5": "Data element too long",
    "6": "Invalid character in data element",
    "7": "Invalid code value",
    "8": "Invalid date",
    "9": "Invalid time",
    "10": "Exclusion condition violated",
    "12": "Too many repetitions",
    "13": "Too many components",
    "I6": "Code value not used in implementation",
    "I9": "Implementation dependent data element missing",
    "I10": "Implementation 'not used' data element present",
    "I11": "Implementation too few repetitions",
    "I12": "Implementation pattern match failure",
    "I13": "Implementation dependent 'not used' data element present",
})

_LISTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"TA1": TA1, "AK9": AK9, "AK5": AK5, "AK3": AK3, "AK4": AK4}
)


def describe(level: str, code: str) -> str:
    """The plain words for ``code`` in the code list that ``level`` (TA1, AK9...) uses."""
    return _LISTS.get(level, {}).get(code, f"{level} code {code}")
