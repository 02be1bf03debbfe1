"""Certificate PDF rendering speed and size: PDFs per second on one core, against 100/s and the 250 KB upload limit.

Run: .venv/bin/python benchmarks/certificate_pdf.py [seconds]
Renders distinct certificates (each with its own token, so its own QR) in one process for about 10 s, alternating
the layouts, with realistic pictures: a photographic logo and two signatures photographed on grey paper (the worst
case for size), cleaned as uploads are. Prints PDFs per second of wall time and of CPU time (the figure for one
core when other processes share the machine; a busy machine slows even that, so the load average is printed too),
mean and largest size, and PASS/FAIL.
"""

from __future__ import annotations

import base64
import io
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from lms.certificates.document import CertificateDocument, Signatory  # noqa: E402
from lms.certificates.images import LOGO_BOX, SIGNATURE_BOX, clean_image  # noqa: E402
from lms.certificates.layouts import LAYOUTS  # noqa: E402
from lms.certificates.pdf import MAX_PDF_BYTES, render_certificate_pdf  # noqa: E402

TARGET_PER_SECOND = 100


def photo_logo(rng: random.Random) -> bytes:
    """A 1000×1000 photographic logo (noise compresses worst), uploaded as JPEG."""
    image = Image.effect_noise((1000, 1000), 70).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 100, 900, 900), outline=(11, 110, 79), width=60)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return clean_image(out.getvalue(), max_width=LOGO_BOX[0], max_height=LOGO_BOX[1])


def scanned_signature(rng: random.Random) -> bytes:
    """A signature photographed on grey, noisy paper: 1600×700 JPEG from a phone."""
    paper = Image.effect_noise((1600, 700), 25).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    draw = ImageDraw.Draw(paper)
    points = [(100 + i * 20, 350 + rng.randint(-200, 200)) for i in range(70)]
    draw.line(points, fill=(25, 30, 90), width=9, joint="curve")
    out = io.BytesIO()
    paper.save(out, format="JPEG", quality=90)
    return clean_image(out.getvalue(), max_width=SIGNATURE_BOX[0], max_height=SIGNATURE_BOX[1])


def documents(count: int) -> list[CertificateDocument]:
    rng = random.Random(20260312)
    logo = photo_logo(rng)
    signatures = (scanned_signature(rng), scanned_signature(rng))
    layouts = list(LAYOUTS)
    docs = []
    for index in range(count):
        name = f"Ni Luh Putu Ayu Sukmawati Dewi Anjani Ratna {index:06d}, S.Kep., Ns."[:60]
        token = base64.b32encode(rng.randbytes(165 + len(name.encode()))).decode().rstrip("=")
        docs.append(
            CertificateDocument(
                number=f"PPNI/PPI-DASAR/2026/{index:06d}",
                verification_code=f"K7QF-{index % 10000:04d}",
                verify_url=f"HTTPS://LENTERA.PPNI-KALTARA.OR.ID/V/{token}",
                holder_name=name,
                profession_name="Perawat",
                course_title="Pencegahan dan Pengendalian Infeksi (PPI) Dasar bagi Perawat di Fasilitas Kesehatan",
                course_code="PPI-DASAR",
                course_kind="pelatihan",
                accreditation_number="KP.03.03/F.XI/1234/2026",
                completed_on=date(2026, 3, 10),
                issued_on=date(2026, 3, 12),
                expires_on=date(2031, 3, 12),
                jpl=Decimal("32"),
                skp=Decimal("2.5"),
                ranah="pembelajaran",
                competencies=(
                    "Menerapkan kewaspadaan standar",
                    "Melakukan kebersihan tangan lima momen",
                    "Menggunakan APD sesuai risiko",
                    "Mengelola limbah infeksius",
                ),
                organization_name="DPW PPNI Provinsi Kalimantan Utara",
                organization_logo_png=logo,
                signatories=(
                    Signatory(
                        "Ns. Muhammad Ja'far Ṣādiq, S.Kep., M.Kep.", "Ketua DPW PPNI Kalimantan Utara", signatures[0]
                    ),
                    Signatory("Dr. Siti Rahmawati, S.Kp., M.Kes.", "Ketua Panitia Pelatihan", signatures[1]),
                ),
                place="Tarakan",
                layout=layouts[index % len(layouts)],
            )
        )
    return docs


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    docs = documents(4000)
    render_certificate_pdf(docs[-1])  # fonts registered, pictures prepared: what a running worker has done once
    render_certificate_pdf(docs[-2])
    sizes, cpu_times = [], []
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    for doc in docs:
        started = time.process_time()
        sizes.append(len(render_certificate_pdf(doc)))
        cpu_times.append(time.process_time() - started)
        if time.perf_counter() - wall_start >= seconds:
            break
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    rate_wall, rate_cpu = len(sizes) / wall, len(sizes) / cpu
    rate_ok = rate_cpu >= TARGET_PER_SECOND
    size_ok = max(sizes) <= MAX_PDF_BYTES
    median = statistics.median(cpu_times) * 1000
    load = os.getloadavg()[0]
    print(f"certificate PDFs rendered: {len(sizes)} in {wall:.1f} s wall, {cpu:.1f} s CPU (one process, one core)")
    print(f"PDFs per second: {rate_wall:.0f} (wall), {rate_cpu:.0f} (CPU)   target >= {TARGET_PER_SECOND}")
    print(f"CPU time per PDF: median {median:.2f} ms; machine load average {load:.1f} on {os.cpu_count()} cores")
    print(f"size: mean {statistics.mean(sizes) / 1024:.1f} KB, max {max(sizes) / 1024:.1f} KB   limit 250 KB")
    print(f"speed {'PASS' if rate_ok else 'FAIL'}, size {'PASS' if size_ok else 'FAIL'}")
    sys.exit(0 if rate_ok and size_ok else 1)


if __name__ == "__main__":
    main()
