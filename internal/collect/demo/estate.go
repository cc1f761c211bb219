package demo

// The estate of a messy startup: three accounts, mostly in Tokyo, five
// systems following the naming rule, and around them the leftovers and
// shortcuts every problem key in Problems names. Whatever is not marked is
// meant to be clean: well named, tagged, used, encrypted, private.

const (
	homeRegion   = "ap-northeast-1"
	secondRegion = "us-east-1"
	globalRegion = "global"
)

// Accounts of the demo estate, by the env of what runs in them.
const (
	DevAccount  = "111111111111"
	StgAccount  = "222222222222"
	ProdAccount = "333333333333"
)

// Systems, Envs and RequiredTags are the conventions the demo estate keeps
// (where it is clean): names are {system}-{env}-{role}, and every resource
// carries the tags env, system and owner.
var (
	Systems      = []string{"shop", "api", "search", "batch", "auth", "platform"}
	Envs         = []string{"prod", "stg", "dev", "qa1", "qa2", "qa3", "qa4", "qa5", "qa6", "qa7", "qa8", "qa9", "qa10"}
	RequiredTags = []string{"env", "system", "owner"}
)

// NamePattern is the naming rule {system}-{env}-{role} as a regular
// expression over Systems and Envs; role is lower-case words and digits
// joined by hyphens.
const NamePattern = `^(shop|api|search|batch|auth|platform)-(prod|stg|dev|qa[1-9]|qa10)-[a-z0-9]+(-[a-z0-9]+)*$`

func ownerOf(system string) string {
	switch system {
	case "shop":
		return "team-shop"
	case "api":
		return "team-api"
	case "search":
		return "team-search"
	case "batch":
		return "team-data"
	case "auth":
		return "team-identity"
	}
	return "team-sre"
}

// stack is one system in one env: where it runs and how it is tagged.
type stack struct {
	n           *network
	system, env string
	size        int // instances or tasks per tier: 3 in prod, 2 in stg, 1 elsewhere
}

func (s stack) name(role string) string { return s.system + "-" + s.env + "-" + role }

func (s stack) tags(name string) map[string]string {
	return tags(name, s.env, s.system, ownerOf(s.system))
}

// untagged is the tag set of a resource whose name is native (no Name tag).
func (s stack) untagged() map[string]string { return s.tags("") }

// accountSet names the three accounts of one copy of the estate.
type accountSet struct{ dev, stg, prod string }

// estate adds one whole copy of the demo estate.
func (b *builder) estate(acc accountSet) {
	b.copyStart = len(b.res)
	type acct struct {
		id, env, alias string
		octet          int
		rootMFA        bool
		home, second   baseline
	}
	accounts := []acct{
		{acc.prod, "prod", "hanamaru-prod", 30, true,
			baseline{true, true, true, true, true}, baseline{true, true, false, true, false}},
		{acc.stg, "stg", "hanamaru-stg", 20, true,
			baseline{true, false, true, true, true}, baseline{false, false, false, true, true}},
		{acc.dev, "dev", "hanamaru-dev", 10, false,
			baseline{true, true, false, true, true}, baseline{false, false, false, false, false}},
	}
	for _, a := range accounts {
		i := b.account(a.id, a.alias, a.rootMFA, a.env == "prod")
		if !a.rootMFA {
			b.mark(i, "root-no-mfa")
		}
		home := where{a.id, homeRegion}
		second := where{a.id, secondRegion}
		b.markBaseline(b.accountRegion(home, a.home), a.home)
		b.markBaseline(b.accountRegion(second, a.second), a.second)
		b.users(a.id, a.env)

		hn := b.network(home, a.env, a.octet, []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"})
		sn := b.network(second, a.env, a.octet+1, []string{"us-east-1a", "us-east-1b"})
		b.securityServices(home, second, a.env, a.home, a.second)
		nats := 1
		if a.env == "prod" {
			nats = 3
		}
		pt := tags("", a.env, "platform", ownerOf("platform"))
		for z := 0; z < nats; z++ {
			name := "platform-" + a.env + "-nat-" + hn.public[z].az[len(hn.public[z].az)-1:]
			nat := b.natGateway(hn, name, tags(name, a.env, "platform", ownerOf("platform")), hn.public[z], b.scale(4.2e11))
			b.eip(home, name, tags(name, a.env, "platform", ownerOf("platform")), nat, 700)
		}
		b.bucket(home, "platform-"+a.env+"-cloudtrail-"+a.id, pt, cleanBucket(b.scale(3.1e11), 1000))

		size := 1
		switch a.env {
		case "prod":
			size = 3
		case "stg":
			size = 2
		}
		var apiApp int
		for _, system := range []string{"shop", "api", "search", "batch", "auth"} {
			s := stack{n: hn, system: system, env: a.env, size: size}
			switch system {
			case "shop":
				b.shop(s)
			case "api":
				apiApp = b.api(s)
			case "search":
				b.search(s, apiApp)
			case "batch":
				b.batch(s)
			case "auth":
				b.auth(s, apiApp)
			}
		}
		switch a.env {
		case "prod":
			b.prodMess(hn, sn)
		case "stg":
			b.stgMess(hn)
		case "dev":
			b.qaEnvs(hn)
			b.devMess(hn, sn)
		}
	}
	b.rdsEventSubscriptions(acc)
}

func (b *builder) markBaseline(i int, bl baseline) {
	if !bl.guardDuty {
		b.mark(i, "guardduty-disabled")
	}
	if !bl.securityHub {
		b.mark(i, "securityhub-disabled")
	}
	if !bl.inspector {
		b.mark(i, "inspector-disabled")
	}
	if !bl.cloudTrail {
		b.mark(i, "cloudtrail-disabled")
	}
	if !bl.config {
		b.mark(i, "config-disabled")
	}
}

// securityServices adds the trail and GuardDuty detectors behind the
// baseline attrs, so the two tell the same story.
func (b *builder) securityServices(home, second where, env string, hb, sb baseline) {
	pt := tags("", env, "platform", ownerOf("platform"))
	// dev's trail covers Tokyo only, which is why CloudTrail is off in
	// dev's us-east-1.
	name := "platform-" + env + "-trail"
	b.trail(home, name, tags(name, env, "platform", ownerOf("platform")), sb.cloudTrail, true, "platform-"+env+"-cloudtrail-"+home.account)
	if hb.guardDuty {
		b.detector(home, pt, true)
	}
	if sb.guardDuty || env == "stg" {
		// stg suspended its us-east-1 detector rather than deleting it.
		b.detector(second, pt, sb.guardDuty)
	}
}

func (b *builder) users(account, env string) {
	t := tags("", env, "platform", ownerOf("platform"))
	// The deploy user got its permissions directly, as such users often do.
	b.iamUser(account, userSpec{name: "ci-deploy", tags: t, keyAgeDays: 30, createdDays: 700, policies: []string{"AmazonEC2ContainerRegistryPowerUser"}, inline: 1})
	b.iamUser(account, userSpec{name: "sato", tags: t, console: true, mfa: true, passwordUsedDays: 1, createdDays: 900})
	switch env {
	case "prod":
		b.iamUser(account, userSpec{name: "suzuki", tags: t, console: true, mfa: true, passwordUsedDays: 3, createdDays: 600})
		i := b.iamUser(account, userSpec{name: "backup-script", tags: t, keyAgeDays: 400, createdDays: 800})
		b.mark(i, "iam-access-key-old")
	case "dev":
		i := b.iamUser(account, userSpec{name: "tanaka", tags: t, console: true, passwordUsedDays: 5, createdDays: 300})
		b.mark(i, "iam-user-console-no-mfa")
		b.iamUser(account, userSpec{name: "kobayashi", tags: t, console: true, mfa: true, passwordUsedDays: 200, createdDays: 700})
	}
}

func (b *builder) shop(s stack) {
	w := s.n.where
	albSG := b.securityGroup(s.n, s.name("alb"), s.untagged(),
		rule("tcp", 443, 443, "0.0.0.0/0", ""), rule("tcp", 443, 443, "::/0", ""), rule("tcp", 80, 80, "0.0.0.0/0", ""))
	webSG := b.securityGroup(s.n, s.name("web"), s.untagged(), rule("tcp", 8080, 8080, "", b.arnID(albSG)))
	dbSG := b.securityGroup(s.n, s.name("db"), s.untagged(), rule("tcp", 3306, 3306, "", b.arnID(webSG)))
	alb := b.loadBalancer(w, lbSpec{name: s.name("alb"), lbType: "application", scheme: "internet-facing", tags: s.untagged(),
		accessLogs: true, requests14d: b.scale(float64(s.size) * 2.1e6), sgs: []string{b.arn(albSG)}, createdDays: 600})
	typ := map[string]string{"prod": "m6i.large", "stg": "t3.medium"}[s.env]
	if typ == "" {
		typ = "t3.small"
	}
	var asg int = -1
	if s.env == "prod" {
		asg = b.autoScalingGroup(w, s.name("web"), s.untagged(), 2, 6, float64(s.size), typ)
	}
	keys := make([]string, s.size)
	targets := make([]any, s.size)
	for i := range keys {
		keys[i] = s.name("web-" + itoa(i+1))
		targets[i] = target(instanceID(w, keys[i]), 8080, "healthy")
	}
	tg := b.targetGroup(w, s.name("web"), s.untagged(), alb, "instance", targets, 600)
	for i, key := range keys {
		sp := instanceSpec{key: key, tags: s.tags(key), typ: typ, subnet: s.n.private[i%len(s.n.private)],
			sgs: []string{b.arn(webSG)}, createdDays: b.days(40), targetOf: []string{b.arn(tg)}}
		if asg >= 0 {
			sp.asg, sp.asgARN = b.res[asg].Name, b.arn(asg)
		}
		inst := b.instance(s.n, sp)
		b.volume(w, key+"-root", s.tags(key+"-root"), inst, "gp3", 30, sp.subnet.az, sp.createdDays)
	}

	members := 1
	class := "db.t4g.medium"
	if s.env == "prod" {
		members, class = 2, "db.r6g.large"
	}
	cid := s.name("db")
	encrypted := s.env != "stg" // stg's cluster was restored from an unencrypted snapshot
	cluster := b.dbCluster(w, clusterSpec{id: cid, tags: s.untagged(), engine: "aurora-mysql", version: "8.0.mysql_aurora.3.05.2",
		encrypted: encrypted, members: members, connMax: float64(s.size * 60), createdDays: 700})
	if !encrypted {
		b.mark(cluster, "rds-unencrypted")
	}
	for i := 0; i < members; i++ {
		db := b.dbInstance(w, dbSpec{id: cid + "-" + itoa(i+1), tags: s.untagged(), engine: "aurora-mysql", version: "8.0.mysql_aurora.3.05.2",
			class: class, storageType: "aurora", gb: 1, encrypted: encrypted, connMax: float64(s.size * 60),
			subnet: s.n.private[i%len(s.n.private)], sgs: []string{b.arn(dbSG)}, cluster: cluster, clusterID: cid, createdDays: 700})
		if !encrypted {
			b.mark(db, "rds-unencrypted")
		}
	}
	b.clusterSnapshot(w, "rds:"+cid+"-daily", s.untagged(), false, 1, cluster, cid, 1)

	bs := cleanBucket(b.scale(float64(s.size)*8.5e10), 800)
	if s.env == "stg" {
		bs.publicAccessBlock = false // turned off "for a quick test" and never back on
	}
	bkt := b.bucket(w, s.name("assets-"+w.account), s.untagged(), bs)
	if !bs.publicAccessBlock {
		b.mark(bkt, "s3-no-public-access-block")
	}
	b.logGroup(w, "/shop/"+s.env+"/web", s.untagged(), 30, b.scale(float64(s.size)*1.2e10), 600)
	if s.env == "prod" || s.env == "stg" {
		waf := "arn:aws:wafv2:us-east-1:" + w.account + ":global/webacl/shop-" + s.env + "/" + hexID(w.account, "waf")
		if s.env == "stg" {
			waf = ""
		}
		d := b.distribution(w.account, s.name("cdn"), s.tags(s.name("cdn")), waf, s.env == "prod")
		if waf == "" {
			b.mark(d, "cloudfront-no-waf")
		}
	}
}

// api adds the api system and returns its app security group, which
// search and auth admit.
func (b *builder) api(s stack) int {
	w := s.n.where
	albSG := b.securityGroup(s.n, s.name("alb"), s.untagged(), rule("tcp", 443, 443, "0.0.0.0/0", ""))
	appSG := b.securityGroup(s.n, s.name("app"), s.untagged(), rule("tcp", 8080, 8080, "", b.arnID(albSG)))
	dbSG := b.securityGroup(s.n, s.name("db"), s.untagged(), rule("tcp", 5432, 5432, "", b.arnID(appSG)))
	alb := b.loadBalancer(w, lbSpec{name: s.name("alb"), lbType: "application", scheme: "internet-facing", tags: s.untagged(),
		accessLogs: true, requests14d: b.scale(float64(s.size) * 5.4e6), sgs: []string{b.arn(albSG)}, createdDays: 500})
	tasks := s.size + 1
	targets := make([]any, tasks)
	for i := range targets {
		targets[i] = target("10."+itoa(s.n.octet)+"."+itoa(10+i%3)+"."+itoa(20+i), 8080, "healthy")
	}
	b.targetGroup(w, s.name("app"), s.untagged(), alb, "ip", targets, 500)
	cluster := b.ecsCluster(w, s.name("cluster"), s.untagged(), 1, float64(tasks), "FARGATE", "FARGATE_SPOT")
	td := b.taskDefinition(w, s.name("app"), 40+s.size, s.untagged(), 512, 1024)
	b.ecsService(w, serviceSpec{name: s.name("app"), tags: s.untagged(), cluster: cluster, taskDef: td, launchType: "FARGATE",
		desired: float64(tasks), running: float64(tasks), sgs: []string{b.arn(appSG)}})
	class, mAZ, gb := "db.t4g.small", false, 50.0
	if s.env == "prod" {
		class, mAZ, gb = "db.m6g.large", true, 200
	}
	db := b.dbInstance(w, dbSpec{id: s.name("db"), tags: s.untagged(), engine: "postgres", version: "16.4", class: class,
		storageType: "gp3", gb: gb, encrypted: true, mAZ: mAZ, connMax: float64(s.size * 80),
		subnet: s.n.private[0], sgs: []string{b.arn(dbSG)}, cluster: -1, createdDays: 500})
	b.dbSnapshot(w, "rds:"+s.name("db")+"-daily", s.untagged(), false, gb, db, s.name("db"), 1)
	b.ecrRepository(w, s.name("app"), s.untagged(), true, true, b.scale(40))
	b.logGroup(w, "/ecs/"+s.name("app"), s.untagged(), map[bool]float64{true: 90, false: 14}[s.env == "prod"],
		b.scale(float64(s.size)*3.3e10), 500)
	return appSG
}

func (b *builder) search(s stack, apiApp int) {
	w := s.n.where
	sg := b.securityGroup(s.n, s.name("node"), s.untagged(), rule("tcp", 9200, 9200, "", b.arnID(apiApp)))
	nlb := b.loadBalancer(w, lbSpec{name: s.name("nlb"), lbType: "network", scheme: "internal", tags: s.untagged(),
		accessLogs: true, requests14d: b.scale(float64(s.size) * 9e5), createdDays: 450})
	nodes := max(1, s.size-1)
	typ, dataGB := "t3.large", 100.0
	if s.env == "prod" {
		typ, dataGB = "r6i.large", 500
	}
	keys := make([]string, nodes)
	targets := make([]any, nodes)
	for i := range keys {
		keys[i] = s.name("node-" + itoa(i+1))
		targets[i] = target(instanceID(w, keys[i]), 9200, "healthy")
	}
	tg := b.targetGroup(w, s.name("node"), s.untagged(), nlb, "instance", targets, 450)
	for i, key := range keys {
		sub := s.n.private[i%len(s.n.private)]
		inst := b.instance(s.n, instanceSpec{key: key, tags: s.tags(key), typ: typ, subnet: sub, sgs: []string{b.arn(sg)},
			createdDays: b.days(120), targetOf: []string{b.arn(tg)}})
		b.volume(w, key+"-root", s.tags(key+"-root"), inst, "gp3", 30, sub.az, 120)
		vol := b.volume(w, key+"-data", s.tags(key+"-data"), inst, "gp3", dataGB, sub.az, 120)
		// Data Lifecycle Manager keeps a daily snapshot: not manual.
		b.ebsSnapshot(w, key+"-data-dlm", s.tags(key+"-data"), vol, b.res[vol].ID, dataGB, false, 1)
	}
	b.logGroup(w, "/search/"+s.env+"/node", s.untagged(), 30, b.scale(float64(s.size)*6e9), 450)
}

func (b *builder) batch(s stack) {
	w := s.n.where
	sg := b.securityGroup(s.n, s.name("worker"), s.untagged())
	cluster := b.ecsCluster(w, s.name("cluster"), s.untagged(), 1, float64(s.size), "FARGATE_SPOT")
	td := b.taskDefinition(w, s.name("worker"), 17, s.untagged(), 1024, 2048)
	b.ecsService(w, serviceSpec{name: s.name("worker"), tags: s.untagged(), cluster: cluster, taskDef: td, worker: true,
		providers: []string{"FARGATE_SPOT"}, desired: float64(s.size), running: float64(s.size), sgs: []string{b.arn(sg)}})
	bs := cleanBucket(b.scale(float64(s.size)*1.8e11), 700)
	bs.lifecycleRules = 2
	b.bucket(w, s.name("data-"+w.account), s.untagged(), bs)
	b.lambda(w, s.name("scheduler"), s.untagged(), "python3.12", 256, 30)
	b.logGroup(w, "/ecs/"+s.name("worker"), s.untagged(), 30, b.scale(float64(s.size)*2e9), 700)
	b.logGroup(w, "/aws/lambda/"+s.name("scheduler"), s.untagged(), 14, b.scale(2e8), 400)
}

func (b *builder) auth(s stack, apiApp int) {
	w := s.n.where
	sg := b.securityGroup(s.n, s.name("db"), s.untagged(), rule("tcp", 3306, 3306, "", b.arnID(apiApp)))
	class, mAZ := "db.t4g.small", false
	if s.env == "prod" {
		class, mAZ = "db.t4g.medium", true
	}
	b.dbInstance(w, dbSpec{id: s.name("db"), tags: s.untagged(), engine: "mysql", version: "8.0.39", class: class,
		storageType: "gp3", gb: 20, encrypted: true, mAZ: mAZ, connMax: float64(s.size * 25),
		subnet: s.n.private[1%len(s.n.private)], sgs: []string{b.arn(sg)}, cluster: -1, createdDays: 650})
	for _, fn := range []string{"token", "authorizer"} {
		name := s.name(fn)
		b.lambda(w, name, s.untagged(), "nodejs20.x", 512, 20)
		retention := 30.0
		if s.env == "dev" && fn == "token" {
			retention = 0 // created by hand while debugging; never given a retention
		}
		lg := b.logGroup(w, "/aws/lambda/"+name, s.untagged(), retention, b.scale(1.5e9), 400)
		if retention == 0 {
			b.mark(lg, "logs-no-retention")
		}
	}
}

// qaEnvs adds the ten QA environments that share the dev account.
func (b *builder) qaEnvs(n *network) {
	w := n.where
	webSG := b.findSG(n, "shop-dev-web")
	cluster := b.findName("AWS::ECS::Cluster", w, "api-dev-cluster")
	for q := 1; q <= 10; q++ {
		s := stack{n: n, system: "shop", env: "qa" + itoa(q), size: 1}
		key := s.name("web-1")
		t := s.tags(key)
		var marks []string
		switch q {
		case 3:
			key = "qa3-shop-web" // the order nobody agreed on
			t = s.tags(key)
			marks = append(marks, "name-breaks-rule")
		case 5:
			t["env"] = "test"
			marks = append(marks, "tag-env-invalid")
		}
		sub := n.private[q%len(n.private)]
		inst := b.instance(n, instanceSpec{key: key, tags: t, typ: "t3.small", subnet: sub, sgs: []string{b.arn(webSG)}, createdDays: b.days(float64(10 + 7*q))})
		b.mark(inst, marks...)
		vt := s.tags(key + "-root")
		vt["env"] = t["env"]
		vol := b.volume(w, key+"-root", vt, inst, "gp3", 20, sub.az, float64(10+7*q))
		b.mark(vol, marks...)

		a := stack{n: n, system: "api", env: s.env, size: 1}
		td := b.taskDefinition(w, a.name("app"), 40+q, a.untagged(), 512, 1024)
		b.ecsService(w, serviceSpec{name: a.name("app"), tags: a.untagged(), cluster: cluster, taskDef: td, launchType: "FARGATE",
			desired: 1, running: 1})
		b.logGroup(w, "/ecs/"+a.name("app"), a.untagged(), 7, b.scale(4e8), float64(10+7*q))
	}
	if cluster >= 0 {
		c := &b.res[cluster].Attrs
		c.Set("active_services", c.Value("active_services").(float64)+10)
		c.Set("running_tasks", c.Value("running_tasks").(float64)+10)
	}
	// qa2 once had its own database; it was stopped rather than deleted.
	s := stack{n: n, system: "api", env: "qa2"}
	db := b.dbInstance(w, dbSpec{id: s.name("db"), tags: s.untagged(), engine: "postgres", version: "14.12", class: "db.t4g.small",
		storageType: "gp2", gb: 50, encrypted: true, connMax: 0, subnet: n.private[0], sgs: []string{b.arn(b.findSG(n, "api-dev-db"))},
		stoppedDays: 60, cluster: -1, createdDays: 400})
	b.mark(db, "rds-stopped-long")
}

func (b *builder) devMess(n, sn *network) {
	w := n.where
	// The first instance anyone launched, still running, with the wizard's group.
	wizard := b.securityGroup(n, "launch-wizard-1", map[string]string{}, rule("tcp", 22, 22, "0.0.0.0/0", ""))
	b.mark(wizard, "name-breaks-rule", "tag-missing-required", "sg-open-ssh")
	t := tags("test-server", "test", "shop", "")
	inst := b.instance(n, instanceSpec{key: "test-server", tags: t, typ: "t2.micro", subnet: n.public[0],
		sgs: []string{b.arn(wizard)}, createdDays: b.days(1100), publicIP: true})
	b.mark(inst, "name-breaks-rule", "tag-missing-required", "tag-env-invalid", "ec2-previous-generation")
	vol := b.volume(w, "test-server-root", tags("test-server", "test", "shop", ""), inst, "gp2", 8, n.public[0].az, 1100)
	b.mark(vol, "name-breaks-rule", "tag-missing-required", "tag-env-invalid", "ebs-gp2")

	// Someone's ad-hoc worker: tagged, but nobody gave it a Name.
	adhoc := b.instance(n, instanceSpec{key: "batch-adhoc", tags: tags("", "dev", "batch", ownerOf("batch")), typ: "t3.micro",
		subnet: n.private[2], sgs: []string{b.arn(b.findSG(n, "batch-dev-worker"))}, createdDays: b.days(35)})
	b.mark(adhoc, "name-tag-missing")
	b.volume(w, "batch-adhoc-root", tags("batch-dev-adhoc-root", "dev", "batch", ownerOf("batch")), adhoc, "gp3", 8, n.private[2].az, 35)

	// A reporting database opened to the office "for a week".
	rs := stack{n: n, system: "shop", env: "dev"}
	repSG := b.securityGroup(n, rs.name("reporting-db"), rs.untagged(), rule("tcp", 3306, 3306, "0.0.0.0/0", ""))
	b.mark(repSG, "sg-open-db")
	rep := b.dbInstance(w, dbSpec{id: rs.name("reporting"), tags: rs.untagged(), engine: "mysql", version: "8.0.35", class: "db.t3.micro",
		storageType: "gp2", gb: 20, public: true, subnet: n.public[1], sgs: []string{b.arn(repSG)}, cluster: -1, createdDays: 420})
	b.mark(rep, "rds-public", "rds-unencrypted", "db-in-public-subnet", "rds-idle")

	// A load balancer left behind by the api's move to Fargate.
	ls := stack{n: n, system: "api", env: "dev"}
	legacy := b.loadBalancer(w, lbSpec{name: ls.name("legacy-alb"), lbType: "application", scheme: "internet-facing", tags: ls.untagged(),
		sgs: []string{b.arn(b.findSG(n, "api-dev-alb"))}, createdDays: 900})
	b.mark(legacy, "alb-no-targets", "lb-no-access-logs")
	b.targetGroup(w, ls.name("legacy"), ls.untagged(), legacy, "instance", nil, 900)

	// An admin console whose only instance fails its health check.
	as := stack{n: n, system: "auth", env: "dev"}
	adminKey := as.name("admin-1")
	admin := b.loadBalancer(w, lbSpec{name: as.name("admin-alb"), lbType: "application", scheme: "internal", tags: as.untagged(),
		accessLogs: true, requests14d: 1200, createdDays: 200})
	b.mark(admin, "alb-targets-unhealthy")
	atg := b.targetGroup(w, as.name("admin"), as.untagged(), admin, "instance", []any{target(instanceID(w, adminKey), 8080, "unhealthy")}, 200)
	ai := b.instance(n, instanceSpec{key: adminKey, tags: as.tags(adminKey), typ: "t3.small", subnet: n.private[0], createdDays: b.days(200),
		targetOf: []string{b.arn(atg)}})
	b.volume(w, adminKey+"-root", as.tags(adminKey+"-root"), ai, "gp3", 20, n.private[0].az, 200)

	// A bastion reachable over IPv6 from anywhere.
	ss := stack{n: n, system: "search", env: "dev"}
	bastionSG := b.securityGroup(n, ss.name("bastion"), ss.untagged(), rule("tcp", 22, 22, "::/0", ""))
	b.mark(bastionSG, "sg-open-ssh")
	bk := ss.name("bastion-1")
	bi := b.instance(n, instanceSpec{key: bk, tags: ss.tags(bk), typ: "t3.nano", subnet: n.public[2], sgs: []string{b.arn(bastionSG)},
		createdDays: b.days(300), publicIP: true})
	b.volume(w, bk+"-root", ss.tags(bk+"-root"), bi, "gp3", 8, n.public[2].az, 300)
	// Its address is an Elastic IP, so the allow-lists that name it survive a stop.
	bip := b.eip(w, bk, ss.tags(bk), bi, 300)
	b.res[bi].Attrs.Set("public_ip", b.res[bip].Attrs.Value("public_ip"))

	// A Windows jump host's group; the host is gone, the rule is not.
	jump := b.securityGroup(n, "windows-jump", tags("", "dev", "platform", ownerOf("platform")), rule("tcp", 3389, 3389, "0.0.0.0/0", ""))
	b.mark(jump, "name-breaks-rule", "sg-open-rdp")

	// An address kept "in case the partner's allow-list needs it".
	eip := b.eip(w, "api-dev-partner-ip", ls.tags(ls.name("partner-ip")), -1, 500)
	b.mark(eip, "eip-unassociated")

	bs := cleanBucket(b.scale(2.2e10), 1200)
	bs.encryption, bs.versioning = "", ""
	tmp := b.bucket(w, "batch-dev-tmp-"+w.account, tags("", "dev", "batch", ownerOf("batch")), bs)
	b.mark(tmp, "s3-no-encryption")

	lg := b.logGroup(w, "/var/log/messages", map[string]string{}, 0, b.scale(3.4e10), 1000)
	b.mark(lg, "logs-no-retention", "tag-missing-required")

	// us-east-1: an experiment from the early days, stopped, never cleaned.
	ws := sn.where
	kt := func() map[string]string { return map[string]string{"Name": "kobayashi-test", "owner": "kobayashi"} }
	ksg := b.securityGroup(sn, "platform-dev-experiment", tags("", "dev", "platform", ownerOf("platform")))
	ki := b.instance(sn, instanceSpec{key: "kobayashi-test", tags: kt(), typ: "t2.medium", subnet: sn.public[0], sgs: []string{b.arn(ksg)},
		stoppedDays: 200, createdDays: b.days(650)})
	b.mark(ki, "name-breaks-rule", "tag-missing-required", "ec2-stopped-long", "ec2-previous-generation")
	kv := b.volume(ws, "kobayashi-test-root", kt(), ki, "gp2", 30, sn.public[0].az, 650)
	b.mark(kv, "name-breaks-rule", "tag-missing-required", "ebs-gp2")
	kd := b.volume(ws, "kobayashi-test-data", map[string]string{"Name": "kobayashi-test-data", "owner": "kobayashi"}, -1, "gp2", 500, sn.public[0].az, 640)
	b.mark(kd, "name-breaks-rule", "tag-missing-required", "ebs-gp2", "ebs-unattached")
	ke := b.eip(ws, "kobayashi-test", kt(), -1, 650)
	b.mark(ke, "name-breaks-rule", "tag-missing-required", "eip-unassociated")

	// A NAT gateway made for the experiment; nothing routes through it.
	name := "platform-dev-nat-use1"
	nt := tags(name, "dev", "platform", ownerOf("platform"))
	nat := b.natGateway(sn, name, nt, sn.public[0], 0)
	b.mark(nat, "nat-idle")
	b.eip(ws, name, nt, nat, 640)
}

func (b *builder) stgMess(n *network) {
	w := n.where
	// An admin tool whose instances were stopped "until next sprint".
	s := stack{n: n, system: "batch", env: "stg"}
	alb := b.loadBalancer(w, lbSpec{name: s.name("admin-alb"), lbType: "application", scheme: "internal", tags: s.untagged(),
		requests14d: 0, sgs: []string{b.arn(b.findSG(n, "batch-stg-worker"))}, createdDays: 400})
	b.mark(alb, "alb-targets-stopped", "lb-no-access-logs")
	keys := []string{s.name("admin-1"), s.name("admin-2")}
	targets := []any{target(instanceID(w, keys[0]), 80, "unused"), target(instanceID(w, keys[1]), 80, "unused")}
	tg := b.targetGroup(w, s.name("admin"), s.untagged(), alb, "instance", targets, 400)
	for i, key := range keys {
		sub := n.private[i]
		inst := b.instance(n, instanceSpec{key: key, tags: s.tags(key), typ: "m5.large", subnet: sub,
			sgs: []string{b.arn(b.findSG(n, "batch-stg-worker"))}, stoppedDays: 20, createdDays: b.days(400), targetOf: []string{b.arn(tg)}})
		b.volume(w, key+"-root", s.tags(key+"-root"), inst, "gp3", 30, sub.az, 400)
	}

	// An old auth database kept after the migration; nobody connects.
	as := stack{n: n, system: "auth", env: "stg"}
	old := b.dbInstance(w, dbSpec{id: as.name("db-old"), tags: as.untagged(), engine: "mysql", version: "5.7.44", class: "db.t3.small",
		storageType: "gp2", gb: 20, encrypted: true, connMax: 0, subnet: n.private[2], sgs: []string{b.arn(b.findSG(n, "auth-stg-db"))},
		cluster: -1, createdDays: 900})
	b.mark(old, "rds-idle")

	// A debugging rule that was meant to last an afternoon.
	ps := stack{n: n, system: "api", env: "stg"}
	dbg := b.securityGroup(n, ps.name("db-debug"), ps.untagged(), rule("tcp", 5432, 5432, "::/0", ""))
	b.mark(dbg, "sg-open-db")

	// An analytics cluster stopped to save money, and forgotten.
	ss := stack{n: n, system: "search", env: "stg"}
	cid := ss.name("analytics")
	cl := b.dbCluster(w, clusterSpec{id: cid, tags: ss.untagged(), engine: "aurora-postgresql", version: "15.6", encrypted: true,
		members: 1, stoppedDays: 45, connMax: 3, createdDays: 300})
	b.mark(cl, "rds-stopped-long")
	ci := b.dbInstance(w, dbSpec{id: cid + "-1", tags: ss.untagged(), engine: "aurora-postgresql", version: "15.6", class: "db.r6g.large",
		storageType: "aurora", gb: 1, encrypted: true, connMax: 3, stoppedDays: 45, subnet: n.private[0],
		sgs: []string{b.arn(b.findSG(n, "search-stg-node"))}, cluster: cl, clusterID: cid, createdDays: 300})
	b.mark(ci, "rds-stopped-long")
}

func (b *builder) prodMess(n, sn *network) {
	w := n.where
	s := stack{n: n, system: "shop", env: "prod"}
	// The monolith's last instance, still behind a classic ELB.
	lk := s.name("legacy-1")
	webSG := b.findSG(n, "shop-prod-web")
	clb := b.classicELB(w, s.name("legacy-elb"), s.untagged(), false,
		[]any{map[string]any{"id": instanceID(w, lk), "state": "InService"}}, []string{b.arn(b.findSG(n, "shop-prod-alb"))})
	b.mark(clb, "lb-no-access-logs")
	li := b.instance(n, instanceSpec{key: lk, tags: s.tags(lk), typ: "m4.large", subnet: n.private[0], sgs: []string{b.arn(webSG)},
		createdDays: b.days(1500), targetOf: []string{b.arn(clb)}})
	b.mark(li, "ec2-previous-generation")
	lv := b.volume(w, lk+"-root", s.tags(lk+"-root"), li, "gp2", 50, n.private[0].az, 1500)
	b.mark(lv, "ebs-gp2")

	b.ebsSnapshot(w, lk+"-pre-release", s.tags(lk+"-pre-release"), lv, b.res[lv].ID, 50, true, 10)
	old := b.ebsSnapshot(w, lk+"-before-patch", s.tags(lk+"-before-patch"), lv, b.res[lv].ID, 50, true, 800)
	b.mark(old, "ebs-snapshot-old")

	// A reindexing box stopped after the last big reindex.
	ss := stack{n: n, system: "search", env: "prod"}
	rk := ss.name("reindex")
	ri := b.instance(n, instanceSpec{key: rk, tags: ss.tags(rk), typ: "c4.xlarge", subnet: n.private[1],
		sgs: []string{b.arn(b.findSG(n, "search-prod-node"))}, stoppedDays: 120, createdDays: b.days(900)})
	b.mark(ri, "ec2-stopped-long", "ec2-previous-generation")
	rv := b.volume(w, rk+"-root", ss.tags(rk+"-root"), ri, "gp2", 100, n.private[1].az, 900)
	b.mark(rv, "ebs-gp2")
	ov := b.volume(w, ss.name("node-old-data"), ss.tags(ss.name("node-old-data")), -1, "gp3", 1000, n.private[0].az, 500)
	b.mark(ov, "ebs-unattached")
	os := b.ebsSnapshot(w, ss.name("node-2024"), ss.tags(ss.name("node-2024")), -1, awsID("vol", "deleted", "search-node-2024"), 500, true, 400)
	b.mark(os, "ebs-snapshot-old")

	// Snapshots taken before migrations, kept "just in case".
	ps := stack{n: n, system: "api", env: "prod"}
	rsn := b.dbSnapshot(w, ps.name("db-before-migration"), ps.untagged(), true, 200, b.findName("AWS::RDS::DBInstance", w, "api-prod-db"), "api-prod-db", 500)
	b.mark(rsn, "rds-snapshot-old")
	csn := b.clusterSnapshot(w, s.name("db-pre-upgrade"), s.untagged(), true, 350, b.findName("AWS::RDS::DBCluster", w, "shop-prod-db"), "shop-prod-db", 420)
	b.mark(csn, "rds-snapshot-old")
	b.dbSnapshot(w, ps.name("db-pre-release"), ps.untagged(), true, 200, b.findName("AWS::RDS::DBInstance", w, "api-prod-db"), "api-prod-db", 6)

	// Access logs written since launch, never expired.
	lg := b.logGroup(w, "/ecs/"+ps.name("app-access"), ps.untagged(), 0, 2.2e12, 1100)
	b.mark(lg, "logs-no-retention", "logs-huge")

	// The old static site, public by policy.
	bs := cleanBucket(b.scale(4.1e9), 1400)
	bs.publicAccessBlock, bs.policyPublic, bs.logging, bs.versioning, bs.lifecycleRules = false, true, false, "", 0
	st := b.bucket(w, s.name("static-old"), s.untagged(), bs)
	b.mark(st, "s3-no-public-access-block", "s3-public-policy")
	// A campaign site made in the console by marketing, public by ACL.
	bs = cleanBucket(b.scale(1.3e9), 1000)
	bs.publicAccessBlock, bs.aclPublic, bs.encryption, bs.logging, bs.versioning, bs.lifecycleRules = false, true, "AES256", false, "", 0
	mk := b.bucket(w, "marketing-campaign-2023", map[string]string{}, bs)
	b.mark(mk, "name-breaks-rule", "tag-missing-required", "s3-no-public-access-block", "s3-public-acl")

	// A batch box someone tagged by hand.
	pk := "shop-production-batch"
	pi := b.instance(n, instanceSpec{key: pk, tags: tags(pk, "production", "shop", ownerOf("shop")), typ: "t3.medium", subnet: n.private[2],
		sgs: []string{b.arn(webSG)}, createdDays: b.days(250)})
	b.mark(pi, "name-breaks-rule", "tag-env-invalid")
	pv := b.volume(w, pk+"-root", tags(pk+"-root", "production", "shop", ownerOf("shop")), pi, "gp3", 30, n.private[2].az, 250)
	b.mark(pv, "name-breaks-rule", "tag-env-invalid")

	// An address nobody named or released.
	eip := b.eip(w, "prod-unnamed-eip", tags("", "prod", "platform", ownerOf("platform")), -1, 300)
	b.mark(eip, "eip-unassociated", "name-tag-missing")

	// us-east-1: what CloudFront needs there.
	ws := sn.where
	es := stack{n: sn, system: "shop", env: "prod"}
	b.bucket(ws, es.name("cf-logs-"+ws.account), es.untagged(), cleanBucket(b.scale(6.4e10), 700))
	b.lambda(ws, es.name("edge"), es.untagged(), "nodejs20.x", 128, 90)
	b.logGroup(ws, "/aws/lambda/us-east-1."+es.name("edge"), es.untagged(), 30, b.scale(8e8), 700)
}

// arnID is the group id of the security group at i, for source_sg.
func (b *builder) arnID(i int) string {
	if i < 0 {
		return ""
	}
	return b.res[i].ID
}

// findSG is the index of the named security group of a network; -1 if it
// was cut off.
func (b *builder) findSG(n *network, name string) int {
	return b.findName("AWS::EC2::SecurityGroup", n.where, name)
}

func (b *builder) findName(typ string, w where, name string) int {
	for i := len(b.res) - 1; i >= 0; i-- {
		r := &b.res[i]
		if r.Name == name && r.Type == typ && r.Account == w.account && r.Region == w.region {
			return i
		}
	}
	return -1
}

// rdsEventSubscriptions gives each region of the accounts that holds a
// database its RDS event subscriptions: prod and stg hear every critical
// event, dev none.
func (b *builder) rdsEventSubscriptions(acc accountSet) {
	dbs := map[[2]string]bool{}
	own := b.res[b.copyStart:]
	for _, r := range own {
		if r.Type == "AWS::RDS::DBInstance" || r.Type == "AWS::RDS::DBCluster" {
			dbs[[2]string{r.Account, r.Region}] = true
		}
	}
	for i := range own {
		r := &own[i]
		mine := r.Account == acc.dev || r.Account == acc.stg || r.Account == acc.prod
		if r.Type != "Steward::Account::Region" || !mine || !dbs[[2]string{r.Account, r.Region}] {
			continue
		}
		subs := []any{}
		if r.Account != acc.dev {
			for _, src := range []string{"db-cluster", "db-instance", "db-parameter-group", "db-security-group"} {
				subs = append(subs, map[string]any{"source_type": src, "categories": []any{}, "enabled": true})
			}
		}
		r.Attrs.Set("rds_event_subscriptions", subs)
	}
}
