// The generated Kotlin bindings against a real `stairwell serve`: the same
// scenario as tests/python. Two phones (front desk and technician) enroll,
// edit one repair sheet offline, sync, and must end with the same merged
// record, the phone-number conflict surfaced on both, and readable errors
// for a refused verb and a wrong token.
//
// Compiled with kotlinc against the generated app.stairwell.core sources and
// JNA, run with -Djna.library.path pointing at libstairwell_mobile.so, by
// scripts/test-bindings.sh, which sets STAIRWELL_BIN to the server binary.
// Calls stay blocking (no coroutines needed). Prints PASS/FAIL per check
// and "N passed, M failed"; exits non-zero on any failure.

import app.stairwell.core.*
import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess

const val ESTATE = "estate-1"

class Server(root: File, users: List<Triple<String, String, String>>) {
    private val binary = System.getenv("STAIRWELL_BIN") ?: error("STAIRWELL_BIN is not set")
    private val data = File(root, "server").path
    val tokens = mutableMapOf<String, String>()
    val url: String
    private val process: Process

    init {
        admin("estate", "add", ESTATE, "--name", "Estate One", "--tz", "Asia/Shanghai")
        for ((user, name, role) in users) {
            admin("user", "add", user, "--name", name, "--role", role, "--estate", ESTATE)
            val issued = admin("device", "issue", "--user", user)
            tokens[user] = Regex("^token: (\\S+)$", RegexOption.MULTILINE).find(issued)!!.groupValues[1]
        }
        process = ProcessBuilder(binary, "serve", "--data", data, "--listen", "127.0.0.1:0")
            .redirectError(File(root, "server.log"))
            .also { it.environment()["RUST_LOG"] = "warn" }
            .start()
        val line = process.inputStream.bufferedReader().readLine() ?: ""
        url = Regex("listening on (http://\\S+)").find(line)?.groupValues?.get(1)
            ?: run { stop(); error("the server did not start: $line") }
    }

    /** A one-time enrollment code for [user]'s next phone. */
    fun code(user: String): String {
        val said = admin("device", "issue", "--user", user, "--code")
        return Regex("^code: (\\S+)$", RegexOption.MULTILINE).find(said)!!.groupValues[1]
    }

    private fun admin(vararg args: String): String {
        val command = listOf(binary, "admin", "--data", data) + args
        val process = ProcessBuilder(command).redirectErrorStream(true).start()
        val output = process.inputStream.bufferedReader().readText()
        check(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0) {
            "stairwell admin ${args.joinToString(" ")}: $output"
        }
        return output
    }

    fun stop() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

class Progress(private val cancelFrom: FieldStore? = null) : SyncProgress {
    val calls = mutableListOf<SyncStats>()

    override fun onProgress(stats: SyncStats) {
        synchronized(calls) { calls.add(stats) }
        cancelFrom?.cancelSync()
    }
}

class Listener : RecordsListener {
    private val batches = mutableListOf<List<String>>()

    override fun recordsChanged(recordIds: List<String>) {
        synchronized(batches) { batches.add(recordIds) }
    }

    fun heard(id: String) = synchronized(batches) { batches.any { id in it } }
}

fun intake() = RepairIntake(
    residentName = "Li Wei",
    unit = "B2-1203",
    phone = "138 0000 0000",
    problem = "kitchen tap leaking",
    location = RepairLocation.IN_UNIT,
    onPriceList = true,
    urgency = Urgency.URGENT,
)

var passed = 0
var failed = 0

fun check(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("PASS $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
        e.printStackTrace(System.out)
    }
}

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

inline fun <reified E : Throwable> expectThrows(body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

fun main() {
    val root = Files.createTempDirectory("stairwell-kotlin-").toFile()
    val server = Server(
        root,
        listOf(
            Triple("lin.desk", "Lin", "front_desk"),
            Triple("wang.tech", "Wang", "technician"),
            Triple("zhao.tech", "Zhao", "technician"),
        ),
    )
    fun phone(name: String, user: String): FieldStore {
        val store = FieldStore.open(File(root, "$name.sqlite").path)
        val identity = store.enroll(server.url, server.tokens.getValue(user))
        expect(identity.user == user) { "enrolled as ${identity.user}" }
        return store
    }

    try {
        val desk = phone("desk", "lin.desk")
        val tech = phone("tech", "wang.tech")
        val listener = Listener()
        lateinit var sheet: String

        check("enrollment is kept and read offline") {
            expect(desk.whoami()?.role == Role.FRONT_DESK) { "${desk.whoami()}" }
            expect(tech.whoami()?.estates?.single()?.timeZone == "Asia/Shanghai") { "${tech.whoami()}" }
        }

        check("a sheet opened offline on the desk reaches the technician") {
            sheet = desk.openRepairSheet(intake())
            desk.dispatch(sheet, "wang.tech")
            expect(desk.pendingUploads().map { it.recordId } == listOf(sheet)) { "pending" }
            val progress = Progress()
            val summary = desk.sync(progress)
            expect(progress.calls.isNotEmpty()) { "the progress callback was not called" }
            expect(summary.stats.sent == 1u) { "sent ${summary.stats.sent}" }
            expect(desk.pendingUploads().isEmpty()) { "still pending" }

            tech.setListener(listener)
            val pulled = tech.sync(Progress())
            expect(sheet in pulled.changedRecordIds) { "changed ${pulled.changedRecordIds}" }
            expect(listener.heard(sheet)) { "the listener did not hear the sync" }
            val mine = tech.myOpenRepairSheets()
            expect(mine.map { it.id } == listOf(sheet)) { "mine: $mine" }
            val due = mine.single().due ?: throw AssertionError("no deadline")
            expect(due.timeLeftSeconds > 0 && due.rule.isNotEmpty() && due.rule != due.ruleCode) { "$due" }
        }

        check("offline edits on both phones merge, with the conflict surfaced") {
            desk.amendRepairSheet(sheet, RepairAmendment.Phone("139 1111 1111"))
            tech.amendRepairSheet(sheet, RepairAmendment.Phone("137 2222 2222"))
            tech.recordArrival(sheet)
            for (store in listOf(tech, desk, tech)) store.sync(Progress())

            val deskView = desk.repairSheet(sheet)
            val techView = tech.repairSheet(sheet)
            for (view in listOf(deskView, techView)) {
                expect(view.state == RepairState.ON_SITE) { "state ${view.state}" }
                expect(view.arrivedAt != null) { "no arrival" }
            }
            expect(deskView.phone == techView.phone) { "${deskView.phone} vs ${techView.phone}" }
            expect(deskView.timeline.map { it.eventType } == techView.timeline.map { it.eventType }) { "timelines" }
            for (store in listOf(desk, tech)) {
                val conflicts = store.conflicts()
                expect(conflicts.size == 1 && conflicts[0].conflict.field == "phone") { "$conflicts" }
                val choices = conflicts[0].conflict.choices.associate { it.user to it.value }
                expect(choices == mapOf("lin.desk" to "139 1111 1111", "wang.tech" to "137 2222 2222")) { "$choices" }
            }
        }

        check("a resolved conflict converges on both phones") {
            val pick = desk.conflicts()[0].conflict.choices.first { it.user == "wang.tech" }.pick
            desk.resolveConflict(sheet, "phone", pick)
            desk.sync(Progress())
            tech.sync(Progress())
            expect(tech.conflicts().isEmpty()) { "${tech.conflicts()}" }
            expect(tech.repairSheet(sheet).phone == "137 2222 2222") { tech.repairSheet(sheet).phone }
        }

        check("another technician's arrival is refused readably and changes nothing") {
            val other = phone("other", "zhao.tech")
            other.sync(Progress())
            val before = other.recordJson(sheet)
            val refused = expectThrows<StairwellException.Refused> { other.recordArrival(sheet) }
            expect(refused.describe() == "cannot record arrival now: the sheet is assigned to wang.tech") {
                refused.describe()
            }
            expect(refused.toString() == refused.describe()) { refused.toString() }
            expect(other.recordJson(sheet) == before) { "the record changed" }
            expect(other.pendingUploads().isEmpty()) { "something is pending" }
        }

        check("a wrong token is refused readably") {
            val stranger = FieldStore.open(File(root, "stranger.sqlite").path)
            val refused = expectThrows<StairwellException.Server> { stranger.enroll(server.url, "not-a-token") }
            expect(refused.status == 401.toUShort()) { "status ${refused.status}" }
            expect("ask the office for a new one" in refused.describe()) { refused.describe() }
            expectThrows<StairwellException.NotEnrolled> { stranger.openRepairSheet(intake()) }
        }

        check("a phone enrolls once with a code scanned from the console") {
            val scanned = FieldStore.open(File(root, "scanned.sqlite").path)
            val code = server.code("zhao.tech")
            val link = "stairwell://enroll?server=" + java.net.URLEncoder.encode(server.url, "UTF-8") + "&code=" + code
            expect(scanned.enrollWithLink(link).user == "zhao.tech") { "enrolled by link" }
            val again = FieldStore.open(File(root, "again.sqlite").path)
            val used = expectThrows<StairwellException.Server> { again.enrollWithCode(server.url, code) }
            expect("used already" in used.describe()) { used.describe() }
            expect(again.whoami() == null) { "not enrolled" }
        }

        check("a sync is cancelled from its progress callback") {
            val cancelling = phone("cancelling", "lin.desk")
            cancelling.openRepairSheet(intake())
            val cancelled = expectThrows<StairwellException.Cancelled> {
                cancelling.sync(Progress(cancelFrom = cancelling))
            }
            expect("cancelled" in cancelled.describe()) { cancelled.describe() }
            expect(cancelling.pendingUploads().isEmpty()) { "the round trip made was not kept" }
        }
    } finally {
        server.stop()
        root.deleteRecursively()
    }

    println("kotlin: $passed passed, $failed failed")
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}
