"""The generated Python bindings against a real `stairwell serve`.

Two phones (the front desk and the technician) enroll with a server on
loopback, edit the same repair sheet offline, sync, and must end with the
same merged record, the phone-number conflict surfaced on both, and readable
errors for a refused verb and for a wrong token. Standard library only: the
bindings need nothing but ctypes.

Run through scripts/test-bindings.sh, which sets:
  STAIRWELL_BIN       the `stairwell` server binary
  STAIRWELL_BINDINGS  the directory of the generated stairwell_mobile.py
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.environ["STAIRWELL_BINDINGS"])

import stairwell_mobile as sw  # noqa: E402

ESTATE = "estate-1"
SIGNATURE = "b" * 64


class Server:
    """A `stairwell serve` on a free loopback port, with an estate, users
    and one device token per user set up by `stairwell admin` first."""

    def __init__(self, root, users):
        self.binary = os.environ["STAIRWELL_BIN"]
        self.data = os.path.join(root, "server")
        self.tokens = {}
        self.admin("estate", "add", ESTATE, "--name", "Estate One", "--tz", "Asia/Shanghai")
        for user, name, role in users:
            self.admin("user", "add", user, "--name", name, "--role", role, "--estate", ESTATE)
            issued = self.admin("device", "issue", "--user", user, "--name", f"{name}'s phone")
            self.tokens[user] = re.search(r"^token: (\S+)$", issued, re.M).group(1)
            assert re.search(r"^device_id: \S+$", issued, re.M), issued
        self.log = open(os.path.join(root, "server.log"), "wb")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--data", self.data, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=self.log,
            env={**os.environ, "RUST_LOG": "warn"},
        )
        line = self.process.stdout.readline().decode()
        match = re.match(r"listening on (http://\S+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"the server did not start: {line!r}")
        self.url = match.group(1)

    def admin(self, *args):
        done = subprocess.run(
            [self.binary, "admin", "--data", self.data, *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"stairwell admin {' '.join(args)}: {done.stderr}")
        return done.stdout

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Progress(sw.SyncProgress):
    """Remembers every progress report."""

    def __init__(self, cancel_from=None):
        self.calls = []
        self.cancel_from = cancel_from

    def on_progress(self, stats):
        self.calls.append(stats)
        if self.cancel_from is not None:
            self.cancel_from.cancel_sync()


class Listener(sw.RecordsListener):
    """Remembers every batch of changed record ids."""

    def __init__(self):
        self.batches = []
        self.lock = threading.Lock()

    def records_changed(self, record_ids):
        with self.lock:
            self.batches.append(list(record_ids))

    def heard(self, record_id):
        with self.lock:
            return any(record_id in batch for batch in self.batches)


def intake():
    return sw.RepairIntake(
        resident_name="Li Wei",
        unit="B2-1203",
        phone="138 0000 0000",
        problem="kitchen tap leaking",
        location=sw.RepairLocation.IN_UNIT,
        on_price_list=True,
        urgency=sw.Urgency.URGENT,
    )


class FieldStoreAgainstARealServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="stairwell-bindings-")
        cls.server = Server(
            cls.root,
            [
                ("lin.desk", "Lin", "front_desk"),
                ("wang.tech", "Wang", "technician"),
                ("zhao.tech", "Zhao", "technician"),
            ],
        )

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def phone(self, name, user):
        store = sw.FieldStore.open(os.path.join(self.root, f"{name}.sqlite"))
        identity = store.enroll(self.server.url, self.server.tokens[user])
        self.assertEqual(identity.user, user)
        return store

    def test_two_phones_edit_one_sheet_offline_and_merge(self):
        desk = self.phone("desk", "lin.desk")
        tech = self.phone("tech", "wang.tech")
        self.assertEqual(desk.whoami().role, sw.Role.FRONT_DESK)
        self.assertEqual(tech.whoami().estates[0].time_zone, "Asia/Shanghai")

        # The desk writes the sheet offline and dispatches it, then syncs.
        sheet = desk.open_repair_sheet(intake())
        desk.dispatch(sheet, "wang.tech")
        self.assertEqual([p.record_id for p in desk.pending_uploads()], [sheet])
        progress = Progress()
        summary = desk.sync(progress)
        self.assertGreaterEqual(len(progress.calls), 1, "the progress callback was called")
        self.assertEqual(summary.stats.sent, 1)
        self.assertEqual(summary.refused, [])
        self.assertEqual(desk.pending_uploads(), [])

        # The technician's phone receives it, with its deadline.
        listener = Listener()
        tech.set_listener(listener)
        summary = tech.sync(Progress())
        self.assertIn(sheet, summary.changed_record_ids)
        self.assertTrue(listener.heard(sheet), "the listener heard the synced sheet")
        mine = tech.my_open_repair_sheets()
        self.assertEqual([s.id for s in mine], [sheet])
        self.assertEqual(mine[0].state, sw.RepairState.DISPATCHED)
        self.assertIsNotNone(mine[0].due)
        self.assertGreater(mine[0].due.time_left_seconds, 0)
        self.assertTrue(mine[0].due.rule)
        self.assertNotEqual(mine[0].due.rule, mine[0].due.rule_code, "described, not coded")

        # Offline on both: each corrects the phone number differently, and
        # the technician records the arrival.
        desk.amend_repair_sheet(sheet, sw.RepairAmendment.PHONE(phone="139 1111 1111"))
        tech.amend_repair_sheet(sheet, sw.RepairAmendment.PHONE(phone="137 2222 2222"))
        tech.record_arrival(sheet)
        self.assertTrue(listener.heard(sheet))

        for store in (tech, desk, tech):
            store.sync(Progress())

        desk_view = desk.repair_sheet(sheet)
        tech_view = tech.repair_sheet(sheet)
        for view in (desk_view, tech_view):
            self.assertEqual(view.state, sw.RepairState.ON_SITE)
            self.assertIsNotNone(view.arrived_at)
            self.assertEqual(view.technician, "wang.tech")
        self.assertEqual(desk_view.phone, tech_view.phone, "one deterministic pick")
        self.assertEqual(
            [line.event_type for line in desk_view.timeline],
            [line.event_type for line in tech_view.timeline],
        )

        # The conflict is surfaced on both phones, with who and what.
        for store in (desk, tech):
            conflicts = store.conflicts()
            self.assertEqual(len(conflicts), 1, conflicts)
            self.assertEqual(conflicts[0].record_id, sheet)
            self.assertEqual(conflicts[0].conflict.field, "phone")
            choices = {c.user: c.value for c in conflicts[0].conflict.choices}
            self.assertEqual(
                choices, {"lin.desk": "139 1111 1111", "wang.tech": "137 2222 2222"}
            )

        # The desk keeps the technician's number; both phones converge.
        pick = next(c.pick for c in desk.conflicts()[0].conflict.choices if c.user == "wang.tech")
        desk.resolve_conflict(sheet, "phone", pick)
        desk.sync(Progress())
        tech.sync(Progress())
        self.assertEqual(tech.conflicts(), [])
        self.assertEqual(tech.repair_sheet(sheet).phone, "137 2222 2222")
        self.assertEqual(desk.repair_sheet(sheet).phone, "137 2222 2222")

        # Another technician's arrival is refused, readably, changing nothing.
        other = self.phone("other", "zhao.tech")
        other.sync(Progress())
        before = other.record_json(sheet)
        with self.assertRaises(sw.StairwellError.Refused) as refused:
            other.record_arrival(sheet)
        self.assertEqual(
            refused.exception.describe(),
            "cannot record arrival now: the sheet is assigned to wang.tech",
        )
        self.assertEqual(other.record_json(sheet), before)
        self.assertEqual(other.pending_uploads(), [])

    def test_a_wrong_token_is_refused_readably(self):
        store = sw.FieldStore.open(os.path.join(self.root, "stranger.sqlite"))
        with self.assertRaises(sw.StairwellError.Server) as refused:
            store.enroll(self.server.url, "not-a-token")
        self.assertEqual(refused.exception.status, 401)
        self.assertIn("ask the office for a new one", refused.exception.describe())
        self.assertIsNone(store.whoami())
        with self.assertRaises(sw.StairwellError.NotEnrolled):
            store.open_repair_sheet(intake())

    def issue_code(self, user):
        said = self.server.admin("device", "issue", "--user", user, "--code")
        self.assertNotIn("sw_", said)
        return re.search(r"^code: (\S+)$", said, re.M).group(1)

    def test_a_phone_enrolls_once_with_a_code_or_a_scanned_link(self):
        phone = sw.FieldStore.open(os.path.join(self.root, "by-code.sqlite"))
        code = self.issue_code("lin.desk")
        identity = phone.enroll_with_code(self.server.url, code.lower())
        self.assertEqual(identity.user, "lin.desk")
        phone.open_repair_sheet(intake())
        self.assertEqual(phone.sync(Progress()).refused, [])

        again = sw.FieldStore.open(os.path.join(self.root, "again.sqlite"))
        with self.assertRaises(sw.StairwellError.Server) as used:
            again.enroll_with_code(self.server.url, code)
        self.assertEqual(used.exception.status, 400)
        self.assertIn("used already", used.exception.describe())
        self.assertIsNone(again.whoami())

        # What the console's QR code carries: the server and a fresh code.
        link = "stairwell://enroll?server={}&code={}".format(
            urllib.parse.quote(self.server.url, safe=""), self.issue_code("wang.tech")
        )
        scanned = sw.FieldStore.open(os.path.join(self.root, "by-link.sqlite"))
        self.assertEqual(scanned.enroll_with_link(link).user, "wang.tech")
        with self.assertRaises(sw.StairwellError.InvalidInput) as bad:
            scanned.enroll_with_link("https://example.com/")
        self.assertEqual(bad.exception.field, "link")

    def test_a_sync_is_cancelled_from_its_progress(self):
        desk = self.phone("cancelling", "lin.desk")
        desk.open_repair_sheet(intake())
        with self.assertRaises(sw.StairwellError.Cancelled) as cancelled:
            desk.sync(Progress(cancel_from=desk))
        self.assertIn("cancelled", cancelled.exception.describe())
        # The round trip made before the cancel is kept: nothing is pending.
        self.assertEqual(desk.pending_uploads(), [])
        summary = desk.sync(Progress())
        self.assertEqual(summary.stats.sent, 0)

    def test_bad_input_names_its_field(self):
        desk = self.phone("typo", "lin.desk")
        bad = intake()
        bad.phone = "call me"
        with self.assertRaises(sw.StairwellError.InvalidInput) as invalid:
            desk.open_repair_sheet(bad)
        self.assertEqual(invalid.exception.field, "phone")
        self.assertIn("is not a phone number", invalid.exception.describe())

    def test_a_photo_travels_after_its_record(self):
        desk = self.phone("camera", "lin.desk")
        sheet = desk.open_repair_sheet(intake())
        photo = desk.add_image(b"\x89PNG not really a png, but bytes all the same")
        self.assertEqual(len(photo), 64)
        desk.attach_photo(sheet, photo, "the leak")
        self.assertEqual([(i.sha256, i.uploaded) for i in desk.images()], [(photo, False)])
        desk.sync(Progress())
        self.assertEqual([(i.sha256, i.uploaded) for i in desk.images()], [(photo, True)])
        missing = os.path.join(self.root, "no-such-photo.jpg")
        with self.assertRaises(sw.StairwellError.InvalidInput) as invalid:
            desk.add_image_file(missing)
        self.assertEqual(invalid.exception.field, "file")


if __name__ == "__main__":
    unittest.main()
